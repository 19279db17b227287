with

connected_accounts as (
    select * from {{ ref('int_account_activity_monthly') }}
    where connections > 0
),

-- an account connected from two schools in a month counts once: grouped by account first, which
-- DuckDB can spill to disk (a count(distinct) cannot)
account_months as (
    select
        month_start,
        school_year,
        profile_code,
        account_key,
        sum(connections) as connections
    from connected_accounts
    group by month_start, school_year, profile_code, account_key
),

final as (
    select
        month_start,
        school_year,
        profile_code,
        cast(sum(connections) as bigint) as connections,
        count(*) as accounts
    from account_months
    group by month_start, school_year, profile_code
)

select * from final
