-- models/bi/bi_service_usage.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    school_year_label,
    service,
    service_label_fr,
    accesses,
    accounts,
    service_rank
from bi.bi_service_usage
