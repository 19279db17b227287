with

accounts_by_profile as (
    select * from {{ ref('agg_accounts_by_profile') }}
),

final as (
    select
        profile,
        profile_label_fr,
        is_in_appropriation_population,
        {{ suppress_small_cell('accounts') }} as accounts,
        {{ suppress_small_cell('active_status_accounts') }} as active_status_accounts
    from accounts_by_profile
)

select * from final
