-- The accounts the appropriation rate is measured on: pupils, teachers and school staff
-- ("élèves, enseignants et employés d'établissements"), from the latest accounts snapshot.
with

accounts as (
    select * from {{ ref('stg_raw__accounts') }}
),

profile_codes as (
    select * from {{ ref('int_sdet_profile_codes') }}
)

select
    accounts.account_key,
    accounts.uai,
    profile_codes.profile_code
from accounts
inner join profile_codes
    on accounts.sdet_profile_code = profile_codes.sdet_profile_code
where profile_codes.is_in_appropriation_population
