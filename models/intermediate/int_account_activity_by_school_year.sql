-- Activity of each account in each school year: its connections (successful logins).
with

connections as (
    select
        account_key,
        uai,
        sdet_profile_code,
        event_date
    from {{ ref('stg_raw__auth_events') }}
    where is_connection
),

profile_codes as (
    select * from {{ ref('int_sdet_profile_codes') }}
)

select
    {{ school_year_of('connections.event_date') }} as school_year,
    connections.account_key,
    connections.uai,
    profile_codes.profile_code,
    count(*) as connections,
    min(connections.event_date) as first_connection_date,
    max(connections.event_date) as last_connection_date
from connections
inner join profile_codes
    on connections.sdet_profile_code = profile_codes.sdet_profile_code
group by 1, 2, 3, 4
