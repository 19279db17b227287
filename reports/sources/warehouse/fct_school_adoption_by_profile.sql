-- Appropriation per school year and profile, all schools together
-- (marts.fct_school_adoption_by_profile summed over the schools).
-- Small cells: counts of accounts below 5 are NULL, and so is the rate derived from them.
with by_profile as (
    select
        school_year,
        profile_code,
        sum(target_accounts) as target_accounts,
        sum(active_accounts) as active_accounts
    from marts.fct_school_adoption_by_profile
    group by school_year, profile_code
)

select
    b.school_year,
    replace(b.school_year, '-', '/') as school_year_label,
    b.profile_code,
    coalesce(p.profile_label_fr, b.profile_code) as profile_label,
    case when b.target_accounts >= 5 then b.target_accounts end as target_accounts,
    case when b.active_accounts >= 5 then b.active_accounts end as active_accounts,
    case
        when b.target_accounts >= 5 and b.active_accounts >= 5
            then b.active_accounts / b.target_accounts
    end as appropriation_rate
from by_profile as b
left join marts.agg_accounts_by_profile as p on b.profile_code = p.profile
order by b.school_year, b.profile_code
