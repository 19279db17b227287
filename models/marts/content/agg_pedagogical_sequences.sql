-- Pedagogical sequences created per school year and school, with the running total.
with

sequences as (
    select * from {{ ref('int_current_pedagogical_sequences') }}
),

per_school_year as (
    select
        {{ school_year_of('created_on') }} as school_year,
        uai,
        count(*) as sequences_created,
        count(distinct author_account_key) as authors
    from sequences
    group by 1, 2
),

final as (
    select
        school_year,
        uai,
        sequences_created,
        authors,
        cast(sum(sequences_created) over (
            partition by uai order by school_year rows between unbounded preceding and current row
        ) as bigint) as cumulative_sequences
    from per_school_year
)

select * from final
