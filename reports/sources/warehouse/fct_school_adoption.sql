-- Appropriation per school year and school (marts.fct_school_adoption), with the school's
-- commune and department (marts.dim_schools).
-- Small cells: counts of accounts below 5 are NULL, and so are the rate and the connections
-- derived from them (connections of fewer than 5 connected accounts). is_using is a fact about
-- the school, not about accounts: it is kept.
select
    f.school_year,
    replace(f.school_year, '-', '/') as school_year_label,
    f.uai,
    f.school_name,
    d.commune,
    d.department,
    f.bilan_category,
    coalesce(d.bilan_category_label_fr, f.bilan_category) as category_label,
    case when f.target_accounts >= 5 then f.target_accounts end as target_accounts,
    case when f.active_accounts >= 5 then f.active_accounts end as active_accounts,
    case
        when f.target_accounts >= 5 and f.active_accounts >= 5 then f.appropriation_rate
    end as appropriation_rate,
    case when f.connected_accounts >= 5 then f.connected_accounts end as connected_accounts,
    case when f.connected_accounts >= 5 then f.connections end as connections,
    f.is_using,
    case when f.is_using then 'oui' else 'non' end as is_using_label
from marts.fct_school_adoption as f
left join marts.dim_schools as d on f.uai = d.uai
order by f.school_year, f.school_name
