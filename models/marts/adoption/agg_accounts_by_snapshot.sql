-- Accounts per accounts snapshot, school and report profile: the directory's history. The
-- current directory is the newest snapshot (is_current_snapshot).
with

accounts as (
    select * from {{ ref('int_account_snapshots') }}
),

final as (
    select
        snapshot_date,
        uai,
        bilan_category,
        profile_code,
        count(*) as accounts,
        cast(sum(case when account_status = 'active' then 1 else 0 end) as bigint) as active_status_accounts,
        is_current_snapshot
    from accounts
    group by snapshot_date, uai, bilan_category, profile_code, is_current_snapshot
)

select * from final
