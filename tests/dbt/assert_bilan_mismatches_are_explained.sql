-- A published figure that the data does not reproduce must say why (the report's own
-- inconsistencies are documented in the published_indicators seed); anything else is a defect.
-- Builds on data that is not the report's (small test sets, --scale) set the var to 'warn'.
{{ config(severity=var('bilan_mismatch_severity', 'error')) }}

select
    indicator_code,
    published_value,
    computed_value,
    status
from {{ ref('rpt_bilan_indicators') }}
where
    status = 'mismatch'
    and note is null
