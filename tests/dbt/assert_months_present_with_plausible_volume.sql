-- Gate (b), on any data: every month from the first to the newest one loaded has connections,
-- and at least `min_month_share_of_previous_year` of the connections per day of the same month
-- a year earlier. Per day of data: a month counts its days up to its last event day, so a month
-- the ENT exported in part (2018-01 stops on the 15th in the Bilan 2017's extract) is judged on
-- the days it holds. A month below is a truncated export. Read from the daily aggregate, which
-- outlives purged events.
with

daily as (
    select * from {{ ref('fct_connections_daily') }}
),

months as (
    select
        {{ month_start_of('event_date') }} as month_start,
        sum(connections) as connections,
        max(event_date) as last_day
    from daily
    group by {{ month_start_of('event_date') }}
),

bounds as (
    select
        min(month_start) as first_month,
        max(month_start) as last_month
    from months
),

month_offsets as (
    select {{ integers_value(3) }} as month_offset
    from {{ integers(3) }}
),

spine as (
    select
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'bounds.first_month') }} as date)
            as month_start,
        bounds.last_month
    from bounds
    cross join month_offsets
),

expected_months as (
    select month_start
    from spine
    where month_start <= last_month
),

volumes as (
    select
        expected_months.month_start,
        coalesce(months.connections, 0) as connections,
        coalesce({{ dbt.datediff('expected_months.month_start', 'months.last_day', 'day') }} + 1, 1)  -- noqa: LT05
            as days_of_data
    from expected_months
    left join months on expected_months.month_start = months.month_start
),

compared as (
    select
        this_year.month_start,
        this_year.connections,
        this_year.days_of_data,
        last_year.connections as previous_year_connections,
        cast(this_year.connections as {{ type_double() }}) / this_year.days_of_data
            as connections_per_day,
        cast(last_year.connections as {{ type_double() }}) / last_year.days_of_data
            as previous_year_connections_per_day
    from volumes as this_year
    left join volumes as last_year
        on last_year.month_start = cast({{ dbt.dateadd('month', -12, 'this_year.month_start') }} as date)
),

final as (
    select
        case
            when connections = 0 then 'month present'
            else 'month volume plausible against the same month a year earlier'
        end as rule,
        {{ dbt.cast('month_start', dbt.type_string()) }} as period,
        case
            when connections = 0 then 'connections > 0'
            else {{ dbt.concat([
                "'>= '",
                dbt.cast(var('min_month_share_of_previous_year') ~ ' * previous_year_connections_per_day', dbt.type_string()),
                "' per day'"
            ]) }}
        end as expected,
        {{ dbt.concat([dbt.cast('connections_per_day', dbt.type_string()), "' per day'"]) }} as observed
    from compared
    where
        connections = 0
        or connections_per_day < {{ var('min_month_share_of_previous_year') }} * previous_year_connections_per_day
)

select * from final
