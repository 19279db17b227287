-- Every account of every accounts snapshot, with its report profile and school category. The
-- newest snapshot is the "current" directory; older ones are the history (one file per snapshot
-- date, each kept: see docs/reference-data.md, "Account history").
with

accounts as (
    select * from {{ ref('stg_raw__accounts') }}
),

profile_codes as (
    select * from {{ ref('int_sdet_profile_codes') }}
),

schools as (
    select * from {{ ref('stg_reference__schools') }}
),

newest as (
    select max(snapshot_date) as snapshot_date
    from accounts
),

final as (
    select
        accounts.snapshot_date,
        accounts.account_key,
        accounts.uai,
        schools.bilan_category,
        profile_codes.profile_code,
        profile_codes.is_in_appropriation_population,
        accounts.account_status,
        accounts.created_on,
        accounts.snapshot_date = newest.snapshot_date as is_current_snapshot
    from accounts
    inner join profile_codes
        on accounts.sdet_profile_code = profile_codes.sdet_profile_code
    inner join schools
        on accounts.uai = schools.uai
    cross join newest
)

select * from final
