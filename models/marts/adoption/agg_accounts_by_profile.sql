-- Accounts of the current directory (the newest accounts snapshot) per report profile.
with

snapshots as (
    select * from {{ ref('agg_accounts_by_snapshot') }}
    where is_current_snapshot
),

profiles as (
    select * from {{ ref('stg_reference__profiles') }}
),

newest as (
    select max(snapshot_date) as snapshot_date
    from snapshots
),

counts as (
    select
        profile_code,
        cast(sum(accounts) as bigint) as accounts,
        cast(sum(active_status_accounts) as bigint) as active_status_accounts
    from snapshots
    group by profile_code
),

final as (
    select
        profiles.profile_code as profile,
        profiles.profile_label_fr,
        profiles.is_in_appropriation_population,
        newest.snapshot_date,
        coalesce(counts.accounts, 0) as accounts,
        coalesce(counts.active_status_accounts, 0) as active_status_accounts
    from profiles
    cross join newest
    left join counts
        on profiles.profile_code = counts.profile_code
)

select * from final
