-- models/bi/bi_pedagogical_sequences_by_school_year.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    school_year_label,
    sequences_created,
    authors,
    schools_with_sequences,
    cumulative_sequences
from bi.bi_pedagogical_sequences_by_school_year
