-- Connections per month and school, with the distinct accounts connected (what the small-cell
-- suppression needs), from the monthly activity of each account that stays when old events are
-- purged.
with

activity as (
    select * from {{ ref('int_account_activity_monthly') }}
    where connections > 0
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

final as (
    select
        month_start,
        school_year,
        replace(school_year, '-', '/') as school_year_label,
        uai,
        -- the connections of fewer accounts than the threshold would tell about those accounts
        cast({{ suppress_small_cell('connections', 'accounts') }} as bigint) as connections,
        {{ suppress_small_cell('accounts') }} as accounts
    from by_month
)

select * from final
