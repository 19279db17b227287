-- The published reports audited against the data: every figure of seeds/published_indicators.csv
-- beside the value computed on its own period (agg_period_metrics: metric_code over period_start
-- to period_end, as of as_of_date). A figure whose period the loaded data does not cover is
-- `not_covered`, never a mismatch; the published values are only read from the seed.
with

published as (
    select * from {{ ref('stg_reference__published_indicators') }}
),

sections as (
    select * from {{ ref('stg_reference__bilan_sections') }}
),

metrics as (
    select * from {{ ref('agg_period_metrics') }}
    where period_kind = 'figure'
),

school_years as (
    select * from {{ ref('int_school_years') }}
),

sequences as (
    select * from {{ ref('stg_raw__pedagogical_sequences') }}
),

-- the days the events cover (months are loaded whole, the newest one up to its last event)
event_coverage as (
    select
        min(period_start) as first_day,
        max(period_end) as last_day
    from school_years
),

sequence_coverage as (
    select max(snapshot_date) as newest_snapshot_date
    from sequences
),

figures as (
    select
        published.*,
        sections.section_label_fr,
        metrics.requires,
        metrics.snapshot_date,
        metrics.metric_value
    from published
    left join sections
        on published.report_section = sections.report_section
    left join metrics
        on
            {{ figure_period_key('published.period_start', 'published.period_end', 'published.as_of_date') }}
            = metrics.period_key
            and published.metric_code = metrics.metric_code
),

covered as (
    select
        figures.*,
        coalesce(
            figures.period_start >= event_coverage.first_day and figures.period_end <= event_coverage.last_day,
            false
        ) as has_events,
        figures.snapshot_date is not null as has_snapshot,
        coalesce(sequence_coverage.newest_snapshot_date >= figures.as_of_date, false) as has_sequences,
        event_coverage.first_day as events_first_day,
        event_coverage.last_day as events_last_day
    from figures
    cross join event_coverage
    cross join sequence_coverage
),

coverage as (
    select
        covered.*,
        case
            when covered.requires is null
                then {{ dbt.concat([
                    "'aucune métrique calculée sur cette période (métrique '", 'covered.metric_code', "')'"
                ]) }}
            when covered.requires in ('events', 'events_and_snapshot') and not covered.has_events
                then {{ dbt.concat([
                    "'événements chargés du '",
                    "coalesce(" ~ french_date('events_first_day') ~ ", '-')",
                    "' au '",
                    "coalesce(" ~ french_date('events_last_day') ~ ", '-')",
                    "' seulement'"
                ]) }}
            when covered.requires in ('snapshot', 'events_and_snapshot') and not covered.has_snapshot
                then {{ dbt.concat(["'aucun annuaire des comptes du '", french_date('as_of_date')]) }}
            when covered.requires = 'sequences' and not covered.has_sequences
                then {{ dbt.concat([
                    "'aucun relevé des séquences pédagogiques le ou après le '",
                    french_date('as_of_date')
                ]) }}
        end as not_covered_reason
    from covered
),

compared as (
    select
        *,
        case
            when requires is null or not_covered_reason is null then metric_value
        end as computed_value
    from coverage
),

deltas as (
    select
        *,
        abs(computed_value - published_value) as abs_delta,
        case
            when published_value <> 0 then (computed_value - published_value) / abs(published_value)
        end as rel_delta
    from compared
),

final as (
    select
        report_code,
        indicator_code,
        display_order,
        report_section,
        section_label_fr,
        label_fr,
        metric_code,
        period_start,
        period_end,
        as_of_date,
        published_value,
        computed_value,
        unit,
        {{ value_format_code('unit') }} as value_format,
        comparison,
        tolerance,
        is_known_mismatch,
        abs_delta,
        rel_delta,
        case
            when requires is not null and not_covered_reason is not null then 'not_covered'
            when computed_value is null and not_computable_reason is not null then 'not_computable'
            when computed_value is null then 'not_computed'
            when comparison = 'greater_than' and computed_value > published_value then 'match'
            when comparison = 'greater_than' then 'mismatch'
            when abs_delta < 1e-9 then 'match'
            when comparison in ('rounded', 'approximately') and abs_delta <= tolerance + 1e-9 then 'rounding'
            else 'mismatch'
        end as status,
        coalesce(
            case when computed_value is null then not_computable_reason end,
            not_covered_reason,
            audit_note
        ) as note,
        report_quote
    from deltas
)

select * from final
