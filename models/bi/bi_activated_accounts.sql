-- Activated accounts per accounts snapshot and profile, and over every profile, as the Audience
-- page shows them: the accounts of the snapshot, those connected at least once by its date and
-- their share; small-cell suppression of both counts and of the rate.
with

activated as (
    select * from {{ ref('agg_activated_accounts') }}
),

profiles as (
    select * from {{ ref('stg_reference__profiles') }}
),

by_profile as (
    select
        snapshot_date,
        school_year,
        profile_code,
        sum(accounts) as accounts,
        sum(activated_accounts) as activated_accounts
    from activated
    group by snapshot_date, school_year, profile_code
),

every_profile as (
    select
        snapshot_date,
        school_year,
        'all' as profile_code,
        sum(accounts) as accounts,
        sum(activated_accounts) as activated_accounts
    from activated
    group by snapshot_date, school_year
),

counts as (
    select * from by_profile
    union all
    select * from every_profile
),

final as (
    select
        counts.snapshot_date,
        strftime(counts.snapshot_date, '%d/%m/%Y') as snapshot_label,
        counts.school_year,
        replace(counts.school_year, '-', '/') as school_year_label,
        counts.profile_code,
        case
            when counts.profile_code = 'all' then 'Tous les profils'
            else coalesce(profiles.profile_label_fr, counts.profile_code)
        end as profile_label,
        counts.profile_code = 'all' as is_every_profile,
        cast({{ suppress_small_cell('counts.accounts') }} as bigint) as accounts,
        cast({{ suppress_small_cell('counts.activated_accounts') }} as bigint) as activated_accounts,
        {{ suppress_small_cell(
            'cast(counts.activated_accounts as double) / counts.accounts',
            ['counts.accounts', 'counts.activated_accounts']
        ) }} as activation_rate
    from counts
    left join profiles on counts.profile_code = profiles.profile_code
)

select * from final
