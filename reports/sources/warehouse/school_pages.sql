-- models/bi/bi_school_pages.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    uai,
    school_name,
    commune,
    department,
    school_type,
    bilan_category,
    category_label,
    sector,
    page_url,
    ranking_school_year,
    ranking_school_year_label,
    ranking_appropriation_rate,
    rank_all,
    schools_ranked,
    rank_in_category,
    category_schools_ranked
from bi.bi_school_pages
