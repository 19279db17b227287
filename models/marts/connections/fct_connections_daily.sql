-- Connections (successful logins) per day, school and profile.
with

connections as (
    select * from {{ ref('fct_authentications') }}
    where is_connection
)

select
    event_date,
    school_year,
    uai,
    profile_code,
    count(*) as connections,
    count(distinct account_key) as accounts
from connections
group by event_date, school_year, uai, profile_code
