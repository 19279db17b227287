-- The accounts the appropriation rate is measured on, in each accounts snapshot: pupils,
-- teachers and school staff ("élèves, enseignants et employés d'établissements").
with

accounts as (
    select * from {{ ref('int_account_snapshots') }}
),

final as (
    select
        snapshot_date,
        account_key,
        uai,
        profile_code
    from accounts
    where is_in_appropriation_population
)

select * from final
