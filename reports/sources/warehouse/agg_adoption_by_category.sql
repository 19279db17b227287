-- Appropriation per school year and report category (marts.agg_adoption_by_category).
-- Small cells: counts of accounts below 5 are NULL, and so is the rate derived from them.
select
    a.school_year,
    replace(a.school_year, '-', '/') as school_year_label,
    a.bilan_category,
    coalesce(c.bilan_category_label_fr, a.bilan_category) as category_label,
    case when a.target_accounts >= 5 then a.target_accounts end as target_accounts,
    case when a.active_accounts >= 5 then a.active_accounts end as active_accounts,
    case
        when a.target_accounts >= 5 and a.active_accounts >= 5 then a.appropriation_rate
    end as appropriation_rate,
    a.schools_total,
    a.schools_using,
    a.schools_not_using
from marts.agg_adoption_by_category as a
left join (
    select distinct bilan_category, bilan_category_label_fr from marts.dim_schools
) as c on a.bilan_category = c.bilan_category
order by a.school_year, a.bilan_category
