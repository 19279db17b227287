-- Pedagogical sequences created per school year, all schools together
-- (marts.agg_pedagogical_sequences summed over the schools).
-- Small cells: a school year with fewer than 5 authors shows NULL.
with by_year as (
    select
        school_year,
        sum(sequences_created) as sequences_created,
        sum(authors) as authors,
        count(*) filter (where sequences_created > 0) as schools_with_sequences
    from marts.agg_pedagogical_sequences
    group by school_year
)

select
    school_year,
    replace(school_year, '-', '/') as school_year_label,
    case when authors >= 5 then sequences_created end as sequences_created,
    case when authors >= 5 then authors end as authors,
    schools_with_sequences,
    case
        when authors >= 5 then sum(sequences_created) over (order by school_year)
    end as cumulative_sequences
from by_year
order by school_year
