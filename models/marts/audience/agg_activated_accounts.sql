-- Activated accounts (French ENT standard): in each accounts snapshot, per school and profile,
-- the accounts and those connected at least once on or before the snapshot date, from the
-- monthly activity of each account (int_account_activity_monthly), which outlives the purge of
-- the events. Connections before the first month of the extracts are not known: a lower bound
-- for accounts older than the extracts.
with

snapshots as (
    select * from {{ ref('int_account_snapshots') }}
),

activity as (
    select * from {{ ref('int_account_activity_monthly') }}
),

first_connections as (
    select
        account_key,
        min(first_connection_date) as first_connection_date
    from activity
    where connections > 0
    group by account_key
),

final as (
    select
        snapshots.snapshot_date,
        {{ school_year_of('snapshots.snapshot_date') }} as school_year,
        snapshots.uai,
        snapshots.profile_code,
        count(*) as accounts,
        cast(sum(
            case when first_connections.first_connection_date <= snapshots.snapshot_date then 1 else 0 end
        ) as bigint) as activated_accounts
    from snapshots
    left join first_connections on snapshots.account_key = first_connections.account_key
    group by snapshots.snapshot_date, snapshots.uai, snapshots.profile_code
)

select * from final
