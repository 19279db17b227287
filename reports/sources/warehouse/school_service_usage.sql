-- models/bi/bi_school_service_usage.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    school_year_label,
    uai,
    service,
    service_label_fr,
    accesses,
    service_rank
from bi.bi_school_service_usage
