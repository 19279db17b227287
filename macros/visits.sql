{#- Visits (docs/bi.md, "Audience"): a visit is a sequence of one account's successful events in
    which no two consecutive events are more than var('visit_gap_minutes') (30) minutes apart; a
    longer gap starts a new visit. Events are sessionised within their load month
    (partition_month): a visit never spans two months, one running over midnight at a month's
    end is cut there (two visits), which is what lets a run rebuild a month alone.

    Consecutive: ordered by event_time_utc (UTC, so a change of clock never makes or hides a
    gap), then by extract line. A gap of exactly the limit continues the visit.

    The window functions sort every event and carry every column they are given, so they get
    a narrow row: the account as a number (visit_accounts; the 64-character key made the sort
    spill), the extract line as a number (event_id is a string), and only the columns the model
    names. `events` is read twice (accounts, then events): the model declares it
    cte_evaluation('inline').

    Writes five CTEs, ending with a comma, that a model places in its `with`:
      visit_account_keys  the distinct account keys of `events`
      visit_accounts      account_key and account_number (1, 2, ... in key order): join it to
                          give the model's rows their account_key back
      visit_event_inputs  partition_month, account_number, event_time_utc, event_line,
                          event_date and the `columns` of each event
      visit_event_gaps    the same with is_visit_start (the account's first event of the
                          month, or an event more than the limit after the previous one)
      visit_events        the same with visit_number, the rank of the event's visit among the
                          account's visits of the month (1, 2, ...), and visit_date, the local
                          date of the visit's first event: the latest start's date, as local
                          dates never decrease while the UTC instant grows (the loader derives
                          the local time from the UTC instant in Europe/Paris, whose clocks
                          change at 01:00 UTC, far from midnight: orchestration/extracts/rules.py) -#}
{% macro visit_event_ctes(events, columns) -%}
{%- set account_month_order -%}
    partition by partition_month, account_number order by event_time_utc, event_line
{%- endset -%}
visit_account_keys as (
    select distinct account_key
    from {{ events }}
),

visit_accounts as {{ cte_evaluation('once') }} (
    select
        account_key,
        row_number() over (order by account_key) as account_number
    from visit_account_keys
),

visit_event_inputs as (
    select
        {{ events }}.partition_month,
        visit_accounts.account_number,
        {{ events }}.event_time_utc,
        {{ event_line_of(events ~ '.event_id') }} as event_line,
        {{ events }}.event_date
        {%- for column in columns %},
        {{ events }}.{{ column }}
        {%- endfor %}
    from {{ events }}
    inner join visit_accounts
        on {{ events }}.account_key = visit_accounts.account_key
),

visit_event_gaps as (
    select
        *,
        coalesce(
            {{ epoch_seconds('event_time_utc') }}
            - {{ epoch_seconds('lag(event_time_utc) over (' ~ account_month_order ~ ')') }}
            > {{ var('visit_gap_minutes') }} * 60,
            true
        ) as is_visit_start
    from visit_event_inputs
),

visit_events as (
    select
        *,
        sum(case when is_visit_start then 1 else 0 end) over (
            {{ account_month_order }} rows between unbounded preceding and current row
        ) as visit_number,
        max(case when is_visit_start then event_date end) over (
            {{ account_month_order }} rows between unbounded preceding and current row
        ) as visit_date
    from visit_event_gaps
),
{%- endmacro %}
