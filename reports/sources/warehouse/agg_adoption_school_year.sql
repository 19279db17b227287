-- Appropriation rate and schools not using the ENT per school year (marts.agg_adoption_school_year).
-- Small cells: counts of accounts below 5 are NULL, and so is the rate derived from them.
select
    school_year,
    replace(school_year, '-', '/') as school_year_label,
    case when target_accounts >= 5 then target_accounts end as target_accounts,
    case when active_accounts >= 5 then active_accounts end as active_accounts,
    case
        when target_accounts >= 5 and active_accounts >= 5 then appropriation_rate
    end as appropriation_rate,
    schools_total,
    schools_using,
    schools_not_using
from marts.agg_adoption_school_year
order by school_year
