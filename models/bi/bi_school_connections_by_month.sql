-- Connections per month and school, with the distinct accounts connected (what the small-cell
-- suppression needs), from the monthly activity of each account that stays when old events are
-- purged. Every school has every month of the extracts, so that a school without connection
-- draws a chart of zeros rather than none.
with

activity as (
    select * from {{ ref('int_account_activity_monthly') }}
    where connections > 0
),

school_years as (
    select * from {{ ref('fct_school_adoption') }}
),

-- distinct accounts as groups (a grouping can spill to disk, a count(distinct) cannot)
account_months as (
    select
        month_start,
        school_year,
        uai,
        account_key,
        sum(connections) as connections
    from activity
    group by month_start, school_year, uai, account_key
),

by_month as (
    select
        month_start,
        school_year,
        uai,
        sum(connections) as connections,
        count(*) as accounts
    from account_months
    group by month_start, school_year, uai
),

months_of_the_extracts as (
    select distinct
        month_start,
        school_year
    from activity
),

school_months as (
    select
        months_of_the_extracts.month_start,
        months_of_the_extracts.school_year,
        school_years.uai,
        school_years.target_accounts,
        coalesce(by_month.connections, 0) as connections,
        coalesce(by_month.accounts, 0) as accounts
    from months_of_the_extracts
    inner join school_years
        on months_of_the_extracts.school_year = school_years.school_year
    left join by_month
        on
            months_of_the_extracts.month_start = by_month.month_start
            and school_years.uai = by_month.uai
),

final as (
    select
        month_start,
        school_year,
        replace(school_year, '-', '/') as school_year_label,
        uai,
        case
            -- no account of the school connected: a zero about all its accounts (what the Bilan
            -- publishes as a school not using the ENT), shown when they are not a small group
            when accounts = 0 and target_accounts >= {{ var('min_cell_accounts') }} then 0
            -- the connections of fewer accounts than the threshold would tell about those accounts
            else cast({{ suppress_small_cell('connections', 'accounts') }} as bigint)
        end as connections,
        {{ suppress_small_cell('accounts') }} as accounts
    from school_months
)

select * from final
