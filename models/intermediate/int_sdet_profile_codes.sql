-- One row per SDET national profile code found in the profiles seed (`sdet_codes` is a
-- '|'-separated list of up to five codes).
with

profiles as (
    select * from {{ ref('stg_reference__profiles') }}
),

codes as (
    {% for part in range(1, 6) %}
        select
            profile_code,
            is_in_appropriation_population,
            {{ dbt.split_part('sdet_codes', "'|'", part) }} as sdet_profile_code
        from profiles
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        sdet_profile_code,
        profile_code,
        is_in_appropriation_population
    from codes
    where sdet_profile_code is not null and sdet_profile_code <> ''
)

select * from final
