-- models/bi/bi_training_days.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    training_period,
    domain_code,
    domain_label_fr,
    training_status,
    training_status_fr,
    training_days
from bi.bi_training_days
