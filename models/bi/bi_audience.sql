-- The audience indicators (agg_audience) as the Audience page shows them: French labels of the
-- periods, dimensions and members, and the small-cell suppression of every count of visitors and
-- of what is derived from it (visits, accesses, ratios, peaks).
with

audience as (
    select * from {{ ref('agg_audience') }}
),

profiles as (
    select * from {{ ref('stg_reference__profiles') }}
),

schools as (
    select * from {{ ref('dim_schools') }}
),

services as (
    select * from {{ ref('stg_reference__services') }}
),

final as (
    select
        audience.period_type,
        audience.period_start,
        case audience.period_type
            when 'month' then strftime(audience.period_start, '%m/%Y')
            else replace(audience.school_year, '-', '/')
        end as period_label,
        audience.school_year,
        replace(audience.school_year, '-', '/') as school_year_label,
        audience.dimension,
        case audience.dimension
            when 'all' then 'Ensemble'
            when 'profile' then 'Profil'
            when 'school' then 'Établissement'
            else 'Outil'
        end as dimension_label,
        audience.dimension_value as member_code,
        case audience.dimension
            when 'all' then 'Tous les comptes'
            when 'profile' then coalesce(profiles.profile_label_fr, audience.dimension_value)
            when 'school' then coalesce(schools.school_name, audience.dimension_value)
            else coalesce(services.service_label_fr, audience.dimension_value)
        end as member_label,
        -- what is derived from fewer visitors than the threshold would tell about them
        {{ suppress_small_cell('audience.unique_visitors') }} as unique_visitors,
        {{ suppress_small_cell('audience.visits', 'audience.unique_visitors') }} as visits,
        {{ suppress_small_cell('audience.service_accesses', 'audience.unique_visitors') }}
            as service_accesses,
        {{ suppress_small_cell('audience.visits_per_visitor', 'audience.unique_visitors') }}
            as visits_per_visitor,
        {{ suppress_small_cell('audience.accesses_per_visit', 'audience.unique_visitors') }}
            as accesses_per_visit,
        {{ suppress_small_cell('audience.peak_day', 'audience.peak_day_visitors') }} as peak_day,
        {{ suppress_small_cell('audience.peak_day_visitors') }} as peak_day_visitors,
        {{ suppress_small_cell('audience.peak_day_visits', 'audience.peak_day_visitors') }}
            as peak_day_visits,
        {{ suppress_small_cell('audience.peak_week_start', 'audience.peak_week_visitors') }}
            as peak_week_start,
        {{ suppress_small_cell('audience.peak_week_visitors') }} as peak_week_visitors,
        {{ suppress_small_cell('audience.peak_week_visits', 'audience.peak_week_visitors') }}
            as peak_week_visits
    from audience
    left join profiles
        on audience.dimension = 'profile' and audience.dimension_value = profiles.profile_code
    left join schools
        on audience.dimension = 'school' and audience.dimension_value = schools.uai
    left join services
        on audience.dimension = 'service' and audience.dimension_value = services.service_code
)

select * from final
