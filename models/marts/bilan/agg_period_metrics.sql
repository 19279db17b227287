-- Every metric of the Bilan computed on every reporting period (int_reporting_periods): each
-- school year the events cover, and each period of a published figure. A metric is computed
-- from the data of its period only, so loading later months or snapshots never changes the
-- value of a past period. `requires` says what data a metric reads: `events` over the period,
-- the accounts `snapshot` of the as-of date, both, the `sequences` snapshot, or `reference` data
-- only (seeds). A period lacking that data gets a null value.
with

periods as (
    select * from {{ ref('int_reporting_periods') }}
),

period_months as (
    select * from {{ ref('int_reporting_period_months') }}
),

daily_connections as (
    select * from {{ ref('fct_connections_daily') }}
),

daily_accesses as (
    select * from {{ ref('fct_service_accesses_daily') }}
),

monthly_activity as (
    select * from {{ ref('int_account_activity_monthly') }}
    where connections > 0
),

account_snapshots as (
    select * from {{ ref('int_account_snapshots') }}
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

finance as (
    select * from {{ ref('agg_finance_summary') }}
),

sequences as (
    select * from {{ ref('int_current_pedagogical_sequences') }}
),

activity_periods as (
    select * from periods
    where period_start is not null and period_end is not null
),

as_of_periods as (
    select * from periods
    where as_of_date is not null
),

-- connections ----------------------------------------------------------------------------------
period_days as (
    select
        activity_periods.period_key,
        {{ month_start_of('daily_connections.event_date') }} as month_start,
        daily_connections.uai,
        daily_connections.connections,
        case when profiles.is_in_appropriation_population then daily_connections.connections else 0 end
            as appropriation_connections
    from activity_periods
    inner join daily_connections
        on daily_connections.event_date between activity_periods.period_start and activity_periods.period_end
    inner join profiles
        on daily_connections.profile_code = profiles.profile_code
),

connection_totals as (
    select
        period_key,
        sum(connections) as connections,
        sum(appropriation_connections) as appropriation_connections
    from period_days
    group by period_key
),

month_totals as (
    select
        period_key,
        month_start,
        sum(connections) as connections
    from period_days
    group by period_key, month_start
),

peaks as (
    select
        period_key,
        max(connections) as peak_month_connections
    from month_totals
    group by period_key
),

months_covered as (
    select
        period_key,
        sum(teaching_month_share) as months_covered
    from period_months
    group by period_key
),

connections_by_period as (
    select
        activity_periods.period_key,
        cast(coalesce(connection_totals.connections, 0) as {{ type_double() }}) as connections,
        cast(coalesce(connection_totals.appropriation_connections, 0) as {{ type_double() }})
            as appropriation_connections,
        cast(coalesce(peaks.peak_month_connections, 0) as {{ type_double() }}) as peak_month_connections,
        months_covered.months_covered
    from activity_periods
    left join connection_totals on activity_periods.period_key = connection_totals.period_key
    left join peaks on activity_periods.period_key = peaks.period_key
    left join months_covered on activity_periods.period_key = months_covered.period_key
),

connection_metrics as (
    {% for metric_code, expression in [
        ('connections', 'connections'),
        ('monthly_average_connections', 'case when months_covered > 0 then connections / months_covered end'),
        (
            'monthly_average_connections_appropriation',
            'case when months_covered > 0 then appropriation_connections / months_covered end'
        ),
        ('peak_month_connections', 'peak_month_connections'),
    ] %}
        select
            period_key,
            '{{ metric_code }}' as metric_code,
            {{ expression }} as metric_value
        from connections_by_period
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- accounts active in the period: a connection between its start and its end (a period starts
-- on the first day of a month, so the first connection of each month decides). Computed once
-- per date range, not per period: several periods share one (a school year and the figures
-- over it), and each range's accounts are a grouping on the 64-character key (at scale 10, per
-- period: 3.7 M groups spilling 4.4 GB, the model 9.6 s; per range 2.8 s, no spill)
activity_range_months as (
    select distinct
        activity_periods.period_start,
        activity_periods.period_end,
        period_months.month_start
    from activity_periods
    inner join period_months
        on activity_periods.period_key = period_months.period_key
),

active_in_range as (
    select distinct
        activity_range_months.period_start,
        activity_range_months.period_end,
        monthly_activity.account_key
    from activity_range_months
    inner join monthly_activity
        on activity_range_months.month_start = monthly_activity.month_start
    where
        monthly_activity.first_connection_date <= activity_range_months.period_end
        and monthly_activity.last_connection_date >= activity_range_months.period_start
),

range_active_totals as (
    select
        period_start,
        period_end,
        count(*) as active_accounts
    from active_in_range
    group by period_start, period_end
),

active_totals as (
    select
        activity_periods.period_key,
        range_active_totals.active_accounts
    from activity_periods
    inner join range_active_totals
        on
            activity_periods.period_start = range_active_totals.period_start
            and activity_periods.period_end = range_active_totals.period_end
),

period_population as (
    select
        periods.period_key,
        periods.period_start,
        periods.period_end,
        account_snapshots.account_key
    from periods
    inner join account_snapshots
        on periods.snapshot_date = account_snapshots.snapshot_date
    where account_snapshots.is_in_appropriation_population
),

-- a period without dates (a figure of a snapshot only) has no active account
appropriation as (
    select
        period_population.period_key,
        count(*) as population_accounts,
        count(active_in_range.account_key) as population_active_accounts
    from period_population
    left join active_in_range
        on
            period_population.period_start = active_in_range.period_start
            and period_population.period_end = active_in_range.period_end
            and period_population.account_key = active_in_range.account_key
    group by period_population.period_key
),

appropriation_by_period as (
    select
        activity_periods.period_key,
        activity_periods.snapshot_date,
        cast(coalesce(active_totals.active_accounts, 0) as {{ type_double() }}) as active_accounts,
        cast(appropriation.population_accounts as {{ type_double() }}) as population_accounts,
        cast(appropriation.population_active_accounts as {{ type_double() }}) as population_active_accounts
    from activity_periods
    left join active_totals on activity_periods.period_key = active_totals.period_key
    left join appropriation on activity_periods.period_key = appropriation.period_key
),

appropriation_metrics as (
    {% for metric_code, expression, requires in [
        ('active_accounts', 'active_accounts', 'events'),
        (
            'appropriation_population_accounts',
            'case when snapshot_date is not null then coalesce(population_accounts, 0) end',
            'snapshot'
        ),
        (
            'appropriation_active_accounts',
            'case when snapshot_date is not null then coalesce(population_active_accounts, 0) end',
            'events_and_snapshot'
        ),
        (
            'appropriation_rate',
            'case when population_accounts > 0 then population_active_accounts / population_accounts end',
            'events_and_snapshot'
        ),
    ] %}
        select
            period_key,
            '{{ metric_code }}' as metric_code,
            {{ expression }} as metric_value,
            '{{ requires }}' as requires
        from appropriation_by_period
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- schools without any connection in the period; the report details them by category, colleges
-- and general lycées together being its "autre EPLE"
school_connections as (
    select
        period_key,
        uai,
        sum(connections) as connections
    from period_days
    group by period_key, uai
),

school_use as (
    select
        activity_periods.period_key,
        schools.uai,
        {{ not_using_group('schools.bilan_category') }} as not_using_group,
        coalesce(school_connections.connections, 0) > 0 as is_using
    from activity_periods
    cross join schools
    left join school_connections
        on
            activity_periods.period_key = school_connections.period_key
            and schools.uai = school_connections.uai
),

not_using_metrics as (
    select
        period_key,
        'schools_not_using' as metric_code,
        cast(sum(case when is_using then 0 else 1 end) as {{ type_double() }}) as metric_value
    from school_use
    group by period_key
    union all
    select
        period_key,
        {{ dbt.concat(["'schools_not_using_'", 'not_using_group']) }} as metric_code,
        cast(sum(case when is_using then 0 else 1 end) as {{ type_double() }}) as metric_value
    from school_use
    group by period_key, not_using_group
),

-- accounts of the as-of date's snapshot, per profile ---------------------------------------------
snapshot_profile_accounts as (
    select
        as_of_periods.period_key,
        as_of_periods.snapshot_date,
        profiles.profile_code,
        count(account_snapshots.account_key) as accounts
    from as_of_periods
    cross join profiles
    left join account_snapshots
        on
            as_of_periods.snapshot_date = account_snapshots.snapshot_date
            and profiles.profile_code = account_snapshots.profile_code
    group by as_of_periods.period_key, as_of_periods.snapshot_date, profiles.profile_code
),

account_metrics as (
    select
        period_key,
        'accounts_total' as metric_code,
        case when snapshot_date is not null then cast(sum(accounts) as {{ type_double() }}) end as metric_value
    from snapshot_profile_accounts
    group by period_key, snapshot_date
    union all
    select
        period_key,
        {{ dbt.concat(["'accounts_'", 'profile_code']) }} as metric_code,
        case when snapshot_date is not null then cast(accounts as {{ type_double() }}) end as metric_value
    from snapshot_profile_accounts
),

-- sequences created on or before the as-of date, in the newest sequences snapshot -----------------
sequence_metrics as (
    select
        as_of_periods.period_key,
        'pedagogical_sequences' as metric_code,
        cast(count(sequences.sequence_id) as {{ type_double() }}) as metric_value
    from as_of_periods
    left join sequences
        on as_of_periods.as_of_date >= sequences.created_on
    group by as_of_periods.period_key
),

-- finance: the contract's figures, and its yearly cost per pupil or active account -----------------
pupils as (
    select
        period_key,
        accounts as pupil_accounts
    from snapshot_profile_accounts
    where profile_code = 'eleve' and snapshot_date is not null
),

finance_metrics as (
    {% for column in [
        'total_cost_eur',
        'contract_years',
        'cost_per_school_per_year_eur',
        'eu_cofinancing_eur',
        'eu_cofinancing_share',
        'consumed_eur',
        'consumed_years',
    ] %}
        select
            periods.period_key,
            '{{ column }}' as metric_code,
            finance.{{ column }} as metric_value
        from periods cross join finance
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

cost_metrics as (
    select
        as_of_periods.period_key,
        'cost_per_pupil_per_year_eur' as metric_code,
        finance.total_cost_eur / finance.contract_years / nullif(pupils.pupil_accounts, 0) as metric_value,
        'snapshot' as requires
    from as_of_periods
    cross join finance
    left join pupils on as_of_periods.period_key = pupils.period_key
    union all
    select
        appropriation_by_period.period_key,
        'cost_per_active_account_per_year_eur' as metric_code,
        finance.total_cost_eur / finance.contract_years / nullif(appropriation_by_period.active_accounts, 0)
            as metric_value,
        'events' as requires
    from appropriation_by_period
    cross join finance
),

-- the three most accessed tools of the period ---------------------------------------------------
tools as (
    select distinct
        tool_code,
        tool_label_fr
    from services
),

tool_accesses as (
    select
        activity_periods.period_key,
        services.tool_code,
        sum(daily_accesses.accesses) as accesses
    from activity_periods
    inner join daily_accesses
        on daily_accesses.event_date between activity_periods.period_start and activity_periods.period_end
    inner join services
        on daily_accesses.service_code = services.service_code
    group by activity_periods.period_key, services.tool_code
),

tool_ranks as (
    select
        activity_periods.period_key,
        tools.tool_code,
        coalesce(tool_accesses.accesses, 0) as accesses,
        rank() over (
            partition by activity_periods.period_key order by coalesce(tool_accesses.accesses, 0) desc
        ) as tool_rank
    from activity_periods
    cross join tools
    left join tool_accesses
        on
            activity_periods.period_key = tool_accesses.period_key
            and tools.tool_code = tool_accesses.tool_code
),

tool_metrics as (
    select
        period_key,
        {{ dbt.concat(["'top3_tool_'", 'tool_code']) }} as metric_code,
        cast(case when tool_rank <= 3 and accesses > 0 then 1 else 0 end as {{ type_double() }}) as metric_value
    from tool_ranks
),

-- training days whose period starts inside the period ---------------------------------------------
period_training as (
    select
        activity_periods.period_key,
        training.domain_code,
        training.training_status,
        training.training_days
    from activity_periods
    inner join training
        on training.training_period_start between activity_periods.period_start and activity_periods.period_end
),

training_metrics as (
    select
        activity_periods.period_key,
        'training_days' as metric_code,
        cast(coalesce(sum(
            case when period_training.training_status = 'done' then period_training.training_days else 0 end
        ), 0) as {{ type_double() }}) as metric_value
    from activity_periods
    left join period_training on activity_periods.period_key = period_training.period_key
    group by activity_periods.period_key
    union all
    select
        activity_periods.period_key,
        'training_days_planned' as metric_code,
        cast(coalesce(sum(
            case when period_training.training_status = 'planned' then period_training.training_days else 0 end
        ), 0) as {{ type_double() }}) as metric_value
    from activity_periods
    left join period_training on activity_periods.period_key = period_training.period_key
    group by activity_periods.period_key
    union all
    select
        period_key,
        {{ dbt.concat(["'training_days_'", 'domain_code']) }} as metric_code,
        cast(sum(training_days) as {{ type_double() }}) as metric_value
    from period_training
    where training_status = 'done'
    group by period_key, domain_code
),

-- the schools of the reference ------------------------------------------------------------------
school_metrics as (
    select
        periods.period_key,
        'schools_total' as metric_code,
        cast(count(*) as {{ type_double() }}) as metric_value
    from periods
    cross join schools
    group by periods.period_key
    union all
    select
        periods.period_key,
        {{ dbt.concat(["'schools_'", 'schools.bilan_category']) }} as metric_code,
        cast(count(*) as {{ type_double() }}) as metric_value
    from periods
    cross join schools
    group by periods.period_key, schools.bilan_category
),

metrics as (
    select
        period_key,
        metric_code,
        metric_value,
        'reference' as requires
    from school_metrics
    union all
    select
        period_key,
        metric_code,
        metric_value,
        'snapshot' as requires
    from account_metrics
    union all
    select
        period_key,
        metric_code,
        metric_value,
        'events' as requires
    from connection_metrics
    union all
    select
        period_key,
        metric_code,
        metric_value,
        requires
    from appropriation_metrics
    union all
    select
        period_key,
        metric_code,
        metric_value,
        'events' as requires
    from not_using_metrics
    union all
    select
        period_key,
        metric_code,
        metric_value,
        'sequences' as requires
    from sequence_metrics
    union all
    select
        period_key,
        metric_code,
        metric_value,
        'reference' as requires
    from finance_metrics
    union all
    select
        period_key,
        metric_code,
        metric_value,
        requires
    from cost_metrics
    union all
    select
        period_key,
        metric_code,
        metric_value,
        'events' as requires
    from tool_metrics
    union all
    select
        period_key,
        metric_code,
        metric_value,
        'reference' as requires
    from training_metrics
),

final as (
    select
        periods.period_key,
        periods.period_kind,
        periods.school_year,
        periods.period_start,
        periods.period_end,
        periods.as_of_date,
        periods.snapshot_date,
        metrics.metric_code,
        metrics.requires,
        metrics.metric_value
    from metrics
    inner join periods on metrics.period_key = periods.period_key
)

select * from final
