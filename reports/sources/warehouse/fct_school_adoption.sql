-- models/bi/bi_school_adoption.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    school_year_label,
    uai,
    school_name,
    commune,
    department,
    bilan_category,
    category_label,
    target_accounts,
    active_accounts,
    appropriation_rate,
    connected_accounts,
    connections,
    is_using,
    is_using_label
from bi.bi_school_adoption
