-- Connections per month and profile (marts.agg_connections_monthly), with the share of the
-- month's days that are Corse school holidays (marts.dim_date).
-- Small cells: accounts below 5 are NULL, and so are the connections of those accounts.
with holidays as (
    select
        month_start,
        count(*) filter (where is_school_holiday) as holiday_days,
        count(*) as days
    from marts.dim_date
    group by month_start
)

select
    m.month_start,
    m.school_year,
    replace(m.school_year, '-', '/') as school_year_label,
    m.profile_code,
    coalesce(p.profile_label_fr, m.profile_code) as profile_label,
    case when m.accounts >= 5 then m.connections end as connections,
    case when m.accounts >= 5 then m.accounts end as accounts,
    coalesce(h.holiday_days, 0) as holiday_days,
    coalesce(h.holiday_days / h.days, 0) as holiday_share
from marts.agg_connections_monthly as m
left join marts.agg_accounts_by_profile as p on m.profile_code = p.profile
left join holidays as h on m.month_start = h.month_start
order by m.month_start, m.profile_code
