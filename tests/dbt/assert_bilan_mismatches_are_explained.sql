-- A published figure that the data does not reproduce must say why (the report's own
-- inconsistencies are documented in the published_indicators seed); anything else is a defect.
select
    indicator_code,
    published_value,
    computed_value,
    status
from {{ ref('rpt_bilan_indicators') }}
where
    status = 'mismatch'
    and note is null
