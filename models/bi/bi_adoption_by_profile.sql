with

adoption as (
    select * from {{ ref('fct_school_adoption_by_profile') }}
),

profiles as (
    select * from {{ ref('agg_accounts_by_profile') }}
),

by_profile as (
    select
        school_year,
        profile_code,
        sum(target_accounts) as target_accounts,
        sum(active_accounts) as active_accounts
    from adoption
    group by school_year, profile_code
),

final as (
    select
        by_profile.school_year,
        replace(by_profile.school_year, '-', '/') as school_year_label,
        by_profile.profile_code,
        coalesce(profiles.profile_label_fr, by_profile.profile_code) as profile_label,
        {{ suppress_small_cell('by_profile.target_accounts') }} as target_accounts,
        {{ suppress_small_cell('by_profile.active_accounts') }} as active_accounts,
        {{ suppress_small_cell(
            'by_profile.active_accounts / by_profile.target_accounts',
            ['by_profile.target_accounts', 'by_profile.active_accounts']
        ) }} as appropriation_rate
    from by_profile
    left join profiles on by_profile.profile_code = profiles.profile
)

select * from final
