{#- Visits (docs/bi.md, "Audience"): a visit is a sequence of one account's successful events in
    which no two consecutive events are more than var('visit_gap_minutes') (30) minutes apart; a
    longer gap starts a new visit. Events are sessionised within their load month
    (partition_month): a visit never spans two months, one running over midnight at a month's
    end is cut there (two visits), which is what lets a run rebuild a month alone.

    Writes three CTEs, ending with a comma, that a model places in its `with`:
      visit_event_gaps  `events` with seconds_since_previous (NULL for the account's first event
                        of the month) and is_visit_start
      visit_event_starts  the same with is_visit_start
      visit_events      the same with visit_number, the rank of the event's visit among the
                        account's visits of the month (1, 2, ...)
    Consecutive: ordered by event_time_utc (UTC, so a change of clock never makes or hides a
    gap), then event_id. A gap of exactly the limit continues the visit. -#}
{% macro visit_event_ctes(events) -%}
visit_event_gaps as (
    select
        *,
        {{ epoch_seconds('event_time_utc') }} - {{ epoch_seconds(
            'lag(event_time_utc) over (partition by partition_month, account_key '
            ~ 'order by event_time_utc, event_id)'
        ) }} as seconds_since_previous
    from {{ events }}
),

visit_event_starts as (
    select
        *,
        coalesce(seconds_since_previous > {{ var('visit_gap_minutes') }} * 60, true)
            as is_visit_start
    from visit_event_gaps
),

visit_events as (
    select
        *,
        sum(case when is_visit_start then 1 else 0 end) over (
            partition by partition_month, account_key
            order by event_time_utc, event_id
            rows between unbounded preceding and current row
        ) as visit_number
    from visit_event_starts
),
{%- endmacro %}
