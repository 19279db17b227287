{{ config(**school_year_partitions()) }}
-- Activity of each account in each school year: its connections (successful logins). Kept by
-- school year: a run recomputes the school years of the months it loaded.
with

monthly as (
    {{ rows_of_school_years_to_rebuild(ref('int_account_activity_monthly'), 'connections > 0') }}
),

final as (
    select
        school_year,
        account_key,
        uai,
        profile_code,
        cast(sum(connections) as bigint) as connections,
        min(first_connection_date) as first_connection_date,
        max(last_connection_date) as last_connection_date,
        max(loaded_at) as loaded_at
    from monthly
    group by school_year, account_key, uai, profile_code
)

select * from final
