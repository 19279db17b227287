-- Accounts of each school per profile in the newest accounts snapshot (the current directory).
with

snapshots as (
    select * from {{ ref('agg_accounts_by_snapshot') }}
    where is_current_snapshot
),

profiles as (
    select * from {{ ref('agg_accounts_by_profile') }}
),

by_profile as (
    select
        snapshot_date,
        uai,
        profile_code,
        cast(sum(accounts) as bigint) as accounts,
        cast(sum(active_status_accounts) as bigint) as active_status_accounts
    from snapshots
    group by snapshot_date, uai, profile_code
),

final as (
    select
        by_profile.uai,
        by_profile.profile_code,
        coalesce(profiles.profile_label_fr, by_profile.profile_code) as profile_label,
        strftime(by_profile.snapshot_date, '%d/%m/%Y') as snapshot_date_fr,
        {{ suppress_small_cell('by_profile.accounts') }} as accounts,
        {{ suppress_small_cell('by_profile.active_status_accounts') }} as active_status_accounts
    from by_profile
    left join profiles on by_profile.profile_code = profiles.profile
)

select * from final
