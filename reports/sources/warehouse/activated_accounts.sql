-- models/bi/bi_activated_accounts.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    snapshot_date,
    snapshot_label,
    school_year,
    school_year_label,
    profile_code,
    profile_label,
    is_every_profile,
    accounts,
    activated_accounts,
    activation_rate
from bi.bi_activated_accounts
