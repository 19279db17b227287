{{ config(**school_year_partitions()) }}
{#- the dimensions counted in accounts from the visitor days, and the column of each member -#}
{%- set account_dimensions = [('all', none), ('profile', 'profile_code'), ('school', 'uai')] %}
-- The audience indicators of the French ENT standard per period (each month, each school year)
-- and dimension (all accounts, profile, school, service): visits, unique visitors (distinct
-- accounts over the period: a school year's are not the sum of its months'), visits per visitor,
-- service accesses per visit, and the peak day and peak week (most unique visitors). Computed
-- from the daily aggregates of visitors, which outlive the purge of the events. Kept by school
-- year (a month and its school year are computed from the same days): a run recomputes the
-- school years of the months it loaded, chosen from the visitor days for both daily models.
-- Distinct accounts cost a grouping by account: the day's visitors and the school year's weeks
-- take their months' or their daily rows' counts, and group again only the few accounts or
-- weeks those counts would count twice (see below).
with

-- the daily models are read several times: each read rescans them (see cte_evaluation)
visitor_days as {{ cte_evaluation('inline') }} (
    {{ rows_of_school_years_to_rebuild(ref('agg_audience_visitor_days')) }}
),

visitor_service_days as {{ cte_evaluation('inline') }} (
    {{ rows_of_school_years_to_rebuild(
        ref('agg_audience_visitor_service_days'),
        changed_in=ref('agg_audience_visitor_days')
    ) }}
),

school_year_loads as (
    select
        school_year,
        max(loaded_at) as loaded_at
    from visitor_days
    group by school_year
),

visiting_accounts as (
    select account_key from visitor_days
    union
    select account_key from visitor_service_days
),

-- the groupings below key on an 8-byte number, not on the 64-character account key: they group
-- tens of millions of rows (at scale 10 the model ran out of its 2 GB with the keys)
account_numbers as (
    select
        account_key,
        row_number() over (order by account_key) as account_number
    from visiting_accounts
),

-- the daily rows with their account numbers, recomputed at each read of the members
numbered_visitor_days as {{ cte_evaluation('inline') }} (
    select
        visitor_days.visit_date,
        visitor_days.month_start,
        visitor_days.week_start,
        visitor_days.school_year,
        visitor_days.uai,
        visitor_days.profile_code,
        account_numbers.account_number,
        visitor_days.visits,
        visitor_days.service_accesses
    from visitor_days
    inner join account_numbers on visitor_days.account_key = account_numbers.account_key
),

numbered_visitor_service_days as {{ cte_evaluation('inline') }} (
    select
        visitor_service_days.visit_date,
        visitor_service_days.month_start,
        visitor_service_days.week_start,
        visitor_service_days.school_year,
        visitor_service_days.service_code,
        account_numbers.account_number,
        visitor_service_days.visits,
        visitor_service_days.service_accesses
    from visitor_service_days
    inner join account_numbers on visitor_service_days.account_key = account_numbers.account_key
),

-- one row per account, day and member of each dimension; `all` is every visit. By service, a
-- visit counts when it accessed the service, with its accesses to that service. Recomputed at
-- each read: held in memory, it would not fit.
members as {{ cte_evaluation('inline') }} (
    {% for dimension, member_column in account_dimensions + [('service', 'service_code')] %}
        select
            '{{ dimension }}' as dimension,
            {{ member_column or "'all'" }} as dimension_value,
            visit_date,
            month_start,
            week_start,
            school_year,
            account_number,
            visits,
            service_accesses
        from {{
            'numbered_visitor_service_days' if dimension == 'service'
            else 'numbered_visitor_days'
        }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- distinct accounts counted as groups (a grouping can spill to disk, a distinct count cannot)
month_accounts as (
    select
        dimension,
        dimension_value,
        month_start,
        school_year,
        account_number,
        sum(visits) as visits,
        sum(service_accesses) as service_accesses
    from members
    group by dimension, dimension_value, month_start, school_year, account_number
),

year_accounts as (
    select
        dimension,
        dimension_value,
        school_year,
        account_number,
        sum(visits) as visits,
        sum(service_accesses) as service_accesses
    from members
    group by dimension, dimension_value, school_year, account_number
),

-- a school year's period starts on 1 September. Period totals, peak days and peak weeks are
-- small and computed once each, one after another, before the final join: computed within the
-- join, their large groupings would run at the same time and not fit in memory together.
period_totals as {{ cte_evaluation('once') }} (
    select
        'month' as period_type,
        month_start as period_start,
        school_year,
        dimension,
        dimension_value,
        count(*) as unique_visitors,
        cast(sum(visits) as bigint) as visits,
        cast(sum(service_accesses) as bigint) as service_accesses
    from month_accounts
    group by month_start, school_year, dimension, dimension_value
    union all
    select
        'school_year' as period_type,
        {{ school_year_first_day('school_year') }} as period_start,
        school_year,
        dimension,
        dimension_value,
        count(*) as unique_visitors,
        cast(sum(visits) as bigint) as visits,
        cast(sum(service_accesses) as bigint) as service_accesses
    from year_accounts
    group by school_year, dimension, dimension_value
),

-- A day's visitors without a grouping by account and dimension: the visitor days have one row
-- per day, account, school and profile, the service days one per day, account and service
-- (their YAML's tests, with the day in its load month), so a day's rows are its visitors, but
-- for the accounts with two rows that day (two schools or two profiles), found by one grouping
-- and counted apart. They are few (none in the synthetic data): their rows are kept and
-- counted distinct.
shared_visitor_days as {{ cte_evaluation('once') }} (
    select
        visit_date,
        account_key
    from visitor_days
    group by visit_date, account_key
    having count(*) > 1
),

visitor_days_sharing as {{ cte_evaluation('inline') }} (
    select
        visitor_days.visit_date,
        visitor_days.account_key,
        visitor_days.uai,
        visitor_days.profile_code,
        visitor_days.visits,
        shared_visitor_days.account_key is not null as is_shared_day
    from visitor_days
    left join shared_visitor_days
        on
            visitor_days.visit_date = shared_visitor_days.visit_date
            and visitor_days.account_key = shared_visitor_days.account_key
),

-- the accounts with one row that day: one visitor of its school, its profile and of all
single_visitor_day_counts as {{ cte_evaluation('once') }} (
    select
        visit_date,
        uai,
        profile_code,
        count(*) as visitors,
        sum(visits) as visits
    from visitor_days_sharing
    where not is_shared_day
    group by visit_date, uai, profile_code
),

shared_visitor_day_rows as {{ cte_evaluation('once') }} (
    select
        visit_date,
        account_key,
        uai,
        profile_code,
        visits
    from visitor_days_sharing
    where is_shared_day
),

-- visitors and visits per member and day: the single accounts' counts add up, the shared
-- accounts' rows are counted distinct
day_members as (
    {% for day_rows, visitors in [
        ('single_visitor_day_counts', 'sum(visitors)'),
        ('shared_visitor_day_rows', 'count(distinct account_key)'),
    ] %}
        {% for dimension, member_column in account_dimensions %}
            select
                '{{ dimension }}' as dimension,
                {{ member_column or "'all'" }} as dimension_value,
                visit_date,
                {{ visitors }} as visitors,
                sum(visits) as visits
            from {{ day_rows }}
            group by {% if member_column %}{{ member_column }}, {% endif %}visit_date
            union all
        {% endfor %}
    {% endfor %}
    select
        'service' as dimension,
        service_code as dimension_value,
        visit_date,
        count(*) as visitors,
        sum(visits) as visits
    from visitor_service_days
    group by service_code, visit_date
),

days as (
    select
        dimension,
        dimension_value,
        visit_date,
        {{ month_start_of('visit_date') }} as month_start,
        {{ school_year_of('visit_date') }} as school_year,
        cast(sum(visitors) as bigint) as visitors,
        cast(sum(visits) as bigint) as visits
    from day_members
    group by dimension, dimension_value, visit_date
),

-- a day is in one month and one school year: the same days rank in both periods
period_days as (
    select
        'month' as period_type,
        month_start as period_start,
        dimension,
        dimension_value,
        visit_date,
        visitors,
        visits
    from days
    union all
    select
        'school_year' as period_type,
        {{ school_year_first_day('school_year') }} as period_start,
        dimension,
        dimension_value,
        visit_date,
        visitors,
        visits
    from days
),

-- the peak day: most unique visitors, the earliest on a tie
ranked_days as {{ cte_evaluation('once') }} (
    select
        *,
        row_number() over (
            partition by period_type, period_start, dimension, dimension_value
            order by visitors desc, visit_date asc
        ) as day_rank
    from period_days
),

-- weeks run Monday to Sunday and count only their days inside the period (a week across two
-- months counts in each with its own days)
month_week_accounts as (
    select
        month_start,
        dimension,
        dimension_value,
        week_start,
        account_number,
        sum(visits) as visits
    from members
    group by month_start, dimension, dimension_value, week_start, account_number
),

month_weeks as {{ cte_evaluation('once') }} (
    select
        month_start,
        dimension,
        dimension_value,
        week_start,
        count(*) as visitors,
        cast(sum(visits) as bigint) as visits
    from month_week_accounts
    group by month_start, dimension, dimension_value, week_start
),

-- a school year's week is its month's, but for the weeks across two months: only those weeks'
-- accounts are grouped again, over the school year
two_month_week_accounts as (
    select
        school_year,
        dimension,
        dimension_value,
        week_start,
        account_number,
        sum(visits) as visits
    from members
    where {{ week_across_two_months('week_start') }}
    group by school_year, dimension, dimension_value, week_start, account_number
),

weeks as (
    select
        'month' as period_type,
        month_start as period_start,
        dimension,
        dimension_value,
        week_start,
        visitors,
        visits
    from month_weeks
    union all
    select
        'school_year' as period_type,
        {{ school_year_first_day(school_year_of('month_start')) }} as period_start,
        dimension,
        dimension_value,
        week_start,
        visitors,
        visits
    from month_weeks
    where not {{ week_across_two_months('week_start') }}
    union all
    select
        'school_year' as period_type,
        {{ school_year_first_day('school_year') }} as period_start,
        dimension,
        dimension_value,
        week_start,
        count(*) as visitors,
        cast(sum(visits) as bigint) as visits
    from two_month_week_accounts
    group by school_year, dimension, dimension_value, week_start
),

ranked_weeks as {{ cte_evaluation('once') }} (
    select
        *,
        row_number() over (
            partition by period_type, period_start, dimension, dimension_value
            order by visitors desc, week_start asc
        ) as week_rank
    from weeks
),

final as (
    select
        period_totals.period_type,
        period_totals.period_start,
        period_totals.school_year,
        period_totals.dimension,
        period_totals.dimension_value,
        period_totals.visits,
        period_totals.unique_visitors,
        period_totals.service_accesses,
        cast(period_totals.visits as {{ type_double() }}) / period_totals.unique_visitors
            as visits_per_visitor,
        cast(period_totals.service_accesses as {{ type_double() }}) / period_totals.visits
            as accesses_per_visit,
        ranked_days.visit_date as peak_day,
        ranked_days.visitors as peak_day_visitors,
        ranked_days.visits as peak_day_visits,
        ranked_weeks.week_start as peak_week_start,
        ranked_weeks.visitors as peak_week_visitors,
        ranked_weeks.visits as peak_week_visits,
        school_year_loads.loaded_at
    from period_totals
    inner join ranked_days
        on
            period_totals.period_type = ranked_days.period_type
            and period_totals.period_start = ranked_days.period_start
            and period_totals.dimension = ranked_days.dimension
            and period_totals.dimension_value = ranked_days.dimension_value
            and ranked_days.day_rank = 1
    inner join ranked_weeks
        on
            period_totals.period_type = ranked_weeks.period_type
            and period_totals.period_start = ranked_weeks.period_start
            and period_totals.dimension = ranked_weeks.dimension
            and period_totals.dimension_value = ranked_weeks.dimension_value
            and ranked_weeks.week_rank = 1
    inner join school_year_loads
        on period_totals.school_year = school_year_loads.school_year
)

select * from final
