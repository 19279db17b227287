-- One row per school: what its page (reports/pages/etablissements/[uai].md) says of it, and its
-- rank by appropriation rate in the latest complete school year, among the schools whose rate is
-- shown (a suppressed rate is ranked nowhere).
with

schools as (
    select * from {{ ref('dim_schools') }}
),

adoption as (
    select * from {{ ref('fct_school_adoption') }}
),

school_years as (
    select * from {{ ref('int_school_years') }}
),

-- the latest complete school year, else the latest one
ranking_year as (
    select school_year
    from school_years
    order by is_complete_school_year desc, school_year desc
    limit 1
),

rates as (
    select
        adoption.uai,
        adoption.school_year,
        {{ suppress_small_cell(
            'adoption.appropriation_rate',
            ['adoption.target_accounts', 'adoption.active_accounts']
        ) }} as appropriation_rate
    from adoption
    inner join ranking_year on adoption.school_year = ranking_year.school_year
),

ranked as (
    select
        rates.uai,
        rates.appropriation_rate,
        schools.bilan_category,
        case
            when rates.appropriation_rate is not null then
                rank() over (
                    partition by rates.appropriation_rate is null
                    order by rates.appropriation_rate desc
                )
        end as rank_all,
        case
            when rates.appropriation_rate is not null then
                rank() over (
                    partition by schools.bilan_category, rates.appropriation_rate is null
                    order by rates.appropriation_rate desc
                )
        end as rank_in_category
    from rates
    inner join schools on rates.uai = schools.uai
),

ranked_counts as (
    select count(appropriation_rate) as schools_ranked
    from ranked
),

category_counts as (
    select
        bilan_category,
        count(appropriation_rate) as category_schools_ranked
    from ranked
    group by bilan_category
),

final as (
    select
        schools.uai,
        schools.school_name,
        schools.commune,
        schools.department,
        schools.school_type,
        schools.bilan_category,
        coalesce(schools.bilan_category_label_fr, schools.bilan_category) as category_label,
        schools.sector,
        '/etablissements/' || schools.uai || '/' as page_url,
        ranking_year.school_year as ranking_school_year,
        replace(ranking_year.school_year, '-', '/') as ranking_school_year_label,
        ranked.appropriation_rate as ranking_appropriation_rate,
        cast(ranked.rank_all as bigint) as rank_all,
        ranked_counts.schools_ranked,
        cast(ranked.rank_in_category as bigint) as rank_in_category,
        coalesce(category_counts.category_schools_ranked, 0) as category_schools_ranked
    from schools
    cross join ranking_year
    cross join ranked_counts
    left join ranked on schools.uai = ranked.uai
    left join category_counts on schools.bilan_category = category_counts.bilan_category
)

select * from final
