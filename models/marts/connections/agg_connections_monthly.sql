with

connections as (
    select * from {{ ref('fct_authentications') }}
    where is_connection
)

select
    month_start,
    school_year,
    profile_code,
    count(*) as connections,
    count(distinct account_key) as accounts
from connections
group by month_start, school_year, profile_code
