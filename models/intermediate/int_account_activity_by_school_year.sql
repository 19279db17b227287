-- Activity of each account in each school year: its connections (successful logins).
with

monthly as (
    select * from {{ ref('int_account_activity_monthly') }}
    where connections > 0
),

final as (
    select
        school_year,
        account_key,
        uai,
        profile_code,
        cast(sum(connections) as bigint) as connections,
        min(first_connection_date) as first_connection_date,
        max(last_connection_date) as last_connection_date
    from monthly
    group by school_year, account_key, uai, profile_code
)

select * from final
