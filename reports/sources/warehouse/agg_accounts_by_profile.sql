-- models/bi/bi_accounts_by_profile.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    profile,
    profile_label_fr,
    is_in_appropriation_population,
    accounts,
    active_status_accounts
from bi.bi_accounts_by_profile
