with

sequences as (
    select * from {{ ref('agg_pedagogical_sequences') }}
),

by_school_year as (
    select
        school_year,
        sum(sequences_created) as sequences_created,
        sum(authors) as authors,
        count(*) filter (where sequences_created > 0) as schools_with_sequences
    from sequences
    group by school_year
),

final as (
    select
        school_year,
        replace(school_year, '-', '/') as school_year_label,
        -- the sequences of fewer authors than the threshold would tell about those authors
        {{ suppress_small_cell('sequences_created', 'authors') }} as sequences_created,
        {{ suppress_small_cell('authors') }} as authors,
        schools_with_sequences,
        {{ suppress_small_cell('sum(sequences_created) over (order by school_year)', 'authors') }}
            as cumulative_sequences
    from by_school_year
)

select * from final
