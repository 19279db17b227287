-- Gate (b), on any data: in every accounts snapshot the accounts by profile add up to the
-- accounts of the snapshot (no account lost or counted twice by the profile mapping).
with

loaded as (
    select
        snapshot_date,
        count(*) as accounts
    from {{ ref('stg_raw__accounts') }}
    group by snapshot_date
),

by_profile as (
    select
        snapshot_date,
        sum(accounts) as accounts
    from {{ ref('agg_accounts_by_snapshot') }}
    group by snapshot_date
),

final as (
    select
        'accounts by profile add up to the snapshot' as rule,
        {{ dbt.concat([
            "'snapshot of '",
            dbt.cast('coalesce(loaded.snapshot_date, by_profile.snapshot_date)', dbt.type_string())
        ]) }} as period,
        {{ dbt.cast('coalesce(loaded.accounts, 0)', dbt.type_string()) }} as expected,
        {{ dbt.cast('coalesce(by_profile.accounts, 0)', dbt.type_string()) }} as observed
    from loaded
    full outer join by_profile on loaded.snapshot_date = by_profile.snapshot_date
    where coalesce(loaded.accounts, 0) <> coalesce(by_profile.accounts, 0)
)

select * from final
