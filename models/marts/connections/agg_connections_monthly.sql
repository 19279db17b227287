with

connected_accounts as (
    select * from {{ ref('int_account_activity_monthly') }}
    where connections > 0
)

select
    month_start,
    school_year,
    profile_code,
    cast(sum(connections) as bigint) as connections,
    count(distinct account_key) as accounts
from connected_accounts
group by month_start, school_year, profile_code
