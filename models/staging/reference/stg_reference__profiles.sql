with

source as (
    select * from {{ ref('profiles') }}
),

renamed as (
    select
        profile_code,
        label_fr as profile_label_fr,
        sdet_codes,
        in_appropriation_population as is_in_appropriation_population,
        source as reference_source
    from source
)

select * from renamed
