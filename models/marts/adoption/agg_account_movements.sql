-- What changed in the directory between two consecutive accounts snapshots: accounts created
-- (in the later one only), closed (in the earlier one only), moved to another school or given
-- another profile. Counted per later snapshot, movement, school and profile: the school and
-- profile of the later snapshot (of the earlier one for a closed account).
with

accounts as (
    select * from {{ ref('int_account_snapshots') }}
),

snapshot_dates as (
    select distinct snapshot_date from accounts
),

consecutive as (
    select
        later.snapshot_date,
        max(earlier.snapshot_date) as previous_snapshot_date
    from snapshot_dates as later
    inner join snapshot_dates as earlier
        on later.snapshot_date > earlier.snapshot_date
    group by later.snapshot_date
),

later_accounts as (
    select
        consecutive.snapshot_date,
        consecutive.previous_snapshot_date,
        accounts.account_key,
        accounts.uai,
        accounts.profile_code
    from consecutive
    inner join accounts on consecutive.snapshot_date = accounts.snapshot_date
),

earlier_accounts as (
    select
        consecutive.snapshot_date,
        consecutive.previous_snapshot_date,
        accounts.account_key,
        accounts.uai,
        accounts.profile_code
    from consecutive
    inner join accounts on consecutive.previous_snapshot_date = accounts.snapshot_date
),

compared as (
    select
        coalesce(later_accounts.snapshot_date, earlier_accounts.snapshot_date) as snapshot_date,
        coalesce(later_accounts.previous_snapshot_date, earlier_accounts.previous_snapshot_date)
            as previous_snapshot_date,
        later_accounts.account_key is not null as is_in_later,
        earlier_accounts.account_key is not null as is_in_earlier,
        coalesce(later_accounts.uai, earlier_accounts.uai) as uai,
        coalesce(later_accounts.profile_code, earlier_accounts.profile_code) as profile_code,
        later_accounts.uai <> earlier_accounts.uai as has_changed_school,
        later_accounts.profile_code <> earlier_accounts.profile_code as has_changed_profile
    from later_accounts
    full outer join earlier_accounts
        on
            later_accounts.snapshot_date = earlier_accounts.snapshot_date
            and later_accounts.account_key = earlier_accounts.account_key
),

movements as (
    select
        snapshot_date,
        previous_snapshot_date,
        uai,
        profile_code,
        'created' as movement
    from compared
    where is_in_later and not is_in_earlier
    union all
    select
        snapshot_date,
        previous_snapshot_date,
        uai,
        profile_code,
        'closed' as movement
    from compared
    where is_in_earlier and not is_in_later
    union all
    select
        snapshot_date,
        previous_snapshot_date,
        uai,
        profile_code,
        'changed_school' as movement
    from compared
    where has_changed_school
    union all
    select
        snapshot_date,
        previous_snapshot_date,
        uai,
        profile_code,
        'changed_profile' as movement
    from compared
    where has_changed_profile
),

final as (
    select
        snapshot_date,
        previous_snapshot_date,
        movement,
        uai,
        profile_code,
        count(*) as accounts
    from movements
    group by snapshot_date, previous_snapshot_date, movement, uai, profile_code
)

select * from final
