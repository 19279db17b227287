with

accounts as (
    select * from {{ ref('stg_raw__accounts') }}
),

profile_codes as (
    select * from {{ ref('int_sdet_profile_codes') }}
),

profiles as (
    select * from {{ ref('stg_reference__profiles') }}
),

counts as (
    select
        profile_codes.profile_code,
        count(*) as accounts,
        cast(sum(case when accounts.account_status = 'active' then 1 else 0 end) as bigint) as active_status_accounts
    from accounts
    inner join profile_codes
        on accounts.sdet_profile_code = profile_codes.sdet_profile_code
    group by profile_codes.profile_code
)

select
    profiles.profile_code as profile,
    profiles.profile_label_fr,
    profiles.is_in_appropriation_population,
    coalesce(counts.accounts, 0) as accounts,
    coalesce(counts.active_status_accounts, 0) as active_status_accounts
from profiles
left join counts
    on profiles.profile_code = counts.profile_code
