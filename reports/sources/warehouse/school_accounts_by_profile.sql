-- models/bi/bi_school_accounts_by_profile.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    uai,
    profile_code,
    profile_label,
    snapshot_date_fr,
    accounts,
    active_status_accounts
from bi.bi_school_accounts_by_profile
