-- Accounts of the latest directory snapshot per profile (marts.agg_accounts_by_profile).
-- Small cells: counts of accounts below 5 are NULL (docs/bi.md).
select
    profile,
    profile_label_fr,
    is_in_appropriation_population,
    case when accounts >= 5 then accounts end as accounts,
    case when active_status_accounts >= 5 then active_status_accounts end as active_status_accounts
from marts.agg_accounts_by_profile
order by accounts desc
