-- models/bi/bi_school_adoption_comparison.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    school_year_label,
    uai,
    school_rate,
    category_rate,
    island_rate
from bi.bi_school_adoption_comparison
