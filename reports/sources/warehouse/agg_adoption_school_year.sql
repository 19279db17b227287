-- models/bi/bi_adoption_by_school_year.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    school_year_label,
    target_accounts,
    active_accounts,
    appropriation_rate,
    schools_total,
    schools_using,
    schools_not_using
from bi.bi_adoption_by_school_year
