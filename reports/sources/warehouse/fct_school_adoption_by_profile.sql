-- models/bi/bi_adoption_by_profile.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    school_year_label,
    profile_code,
    profile_label,
    target_accounts,
    active_accounts,
    appropriation_rate
from bi.bi_adoption_by_profile
