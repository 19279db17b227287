-- The Bilan of every school year the events cover: the indicators of the Bilan 2017 computed on
-- each school year's own period (agg_period_metrics), labelled for the reader. A year the events
-- do not cover from 1 September to 31 August is partial: its figures stop on period_end.
with

metrics as (
    select * from {{ ref('agg_period_metrics') }}
    where period_kind = 'school_year'
),

school_years as (
    select * from {{ ref('int_school_years') }}
),

catalogue as (
    select * from {{ ref('stg_reference__bilan_metrics') }}
),

sections as (
    select * from {{ ref('stg_reference__bilan_sections') }}
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

training as (
    select * from {{ ref('stg_reference__training_days') }}
),

-- metrics named after a profile, a category, a tool or a training domain: their family in the
-- catalogue and the label of what they are about
dimension_labels as (
    select
        {{ dbt.concat(["'accounts_'", 'profile_code']) }} as metric_code,
        'accounts_by_profile' as catalogue_code,
        profile_label_fr as dimension_label_fr
    from profiles
    union all
    select distinct
        {{ dbt.concat(["'schools_'", 'bilan_category']) }} as metric_code,
        'schools_by_category' as catalogue_code,
        bilan_category_label_fr as dimension_label_fr
    from schools
    union all
    select distinct
        {{ dbt.concat(["'schools_not_using_'", not_using_group('bilan_category')]) }} as metric_code,
        'schools_not_using_by_group' as catalogue_code,
        case
            when bilan_category in ('college', 'lycee') then 'Collèges et lycées' else bilan_category_label_fr
        end as dimension_label_fr
    from schools
    union all
    select distinct
        {{ dbt.concat(["'top3_tool_'", 'tool_code']) }} as metric_code,
        'top3_tool_by_tool' as catalogue_code,
        tool_label_fr as dimension_label_fr
    from services
    union all
    select distinct
        {{ dbt.concat(["'training_days_'", 'domain_code']) }} as metric_code,
        'training_days_by_domain' as catalogue_code,
        domain_label_fr as dimension_label_fr
    from training
),

labelled as (
    select
        metrics.school_year,
        metrics.metric_code,
        metrics.metric_value,
        catalogue.display_order,
        catalogue.report_section,
        case
            when dimension_labels.dimension_label_fr is null then catalogue.label_fr
            else {{ dbt.concat(['catalogue.label_fr', "' : '", 'dimension_labels.dimension_label_fr']) }}
        end as label_fr,
        catalogue.unit
    from metrics
    left join dimension_labels
        on metrics.metric_code = dimension_labels.metric_code
    -- a metric missing from the catalogue keeps its row (the not_null tests on its label say so)
    left join catalogue
        on coalesce(dimension_labels.catalogue_code, metrics.metric_code) = catalogue.metric_code
),

final as (
    select
        labelled.school_year,
        school_years.period_start,
        school_years.period_end,
        case when school_years.is_complete_school_year then 'complete' else 'partial' end as year_status,
        school_years.population_snapshot_date,
        labelled.report_section,
        sections.section_label_fr,
        labelled.display_order,
        labelled.metric_code,
        labelled.label_fr,
        labelled.unit,
        {{ value_format_code('labelled.unit') }} as value_format,
        labelled.metric_value
    from labelled
    inner join school_years
        on labelled.school_year = school_years.school_year
    left join sections
        on labelled.report_section = sections.report_section
)

select * from final
