-- Accounts of each school per profile in the newest accounts snapshot (the current directory).
-- Secondary suppression: a school's target accounts (bi_school_adoption) and the profiles' totals
-- over the schools (bi_accounts_by_profile) are published, so one small cell hidden alone could
-- be recovered by difference. A school with any small cell (a profile without accounts included)
-- shows none of its profiles; when only one school is so hidden, the school with the next
-- smallest cell is hidden too, so no profile total leaves a single hidden cell.
with

snapshots as (
    select * from {{ ref('agg_accounts_by_snapshot') }}
    where is_current_snapshot
),

profiles as (
    select * from {{ ref('agg_accounts_by_profile') }}
),

schools as (
    select * from {{ ref('dim_schools') }}
),

by_profile as (
    select
        uai,
        profile_code,
        max(snapshot_date) as snapshot_date,
        sum(accounts) as accounts,
        sum(active_status_accounts) as active_status_accounts
    from snapshots
    group by uai, profile_code
),

-- every school and profile, a profile without accounts at the school counted as 0
grid as (
    select
        schools.uai,
        profiles.profile as profile_code,
        coalesce(profiles.profile_label_fr, profiles.profile) as profile_label,
        profiles.snapshot_date,
        cast(coalesce(by_profile.accounts, 0) as bigint) as accounts,
        cast(coalesce(by_profile.active_status_accounts, 0) as bigint) as active_status_accounts
    from schools
    cross join profiles
    left join by_profile
        on
            schools.uai = by_profile.uai
            and profiles.profile = by_profile.profile_code
),

school_cells as (
    select
        uai,
        least(min(accounts), min(active_status_accounts)) as smallest_cell
    from grid
    group by uai
),

primary_hidden as (
    select
        uai,
        smallest_cell,
        {{ suppress_small_cell('smallest_cell') }} is null as is_hidden
    from school_cells
),

hidden_count as (
    select count(*) filter (where is_hidden) as schools_hidden
    from primary_hidden
),

-- the school shown with the smallest cell: hidden too when it is the only other one
next_smallest as (
    select uai
    from primary_hidden
    where not is_hidden
    order by smallest_cell, uai
    limit 1
),

hidden as (
    select primary_hidden.uai
    from primary_hidden
    where primary_hidden.is_hidden
    union all
    select next_smallest.uai
    from next_smallest
    cross join hidden_count
    where hidden_count.schools_hidden = 1
),

final as (
    select
        grid.uai,
        grid.profile_code,
        grid.profile_label,
        strftime(grid.snapshot_date, '%d/%m/%Y') as snapshot_date_fr,
        case when hidden.uai is null then {{ suppress_small_cell('grid.accounts') }} end
            as accounts,
        case when hidden.uai is null then {{ suppress_small_cell('grid.active_status_accounts') }} end
            as active_status_accounts
    from grid
    left join hidden on grid.uai = hidden.uai
)

select * from final
