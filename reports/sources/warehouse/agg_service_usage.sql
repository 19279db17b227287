-- Accesses to the ENT's tools per school year, ranked (marts.agg_service_usage).
-- Small cells: accounts below 5 are NULL, and so are the accesses of those accounts.
select
    school_year,
    replace(school_year, '-', '/') as school_year_label,
    service,
    service_label_fr,
    case when accounts >= 5 then accesses end as accesses,
    case when accounts >= 5 then accounts end as accounts,
    service_rank
from marts.agg_service_usage
order by school_year, service_rank
