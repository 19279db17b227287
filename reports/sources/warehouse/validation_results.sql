-- Latest validation results (quality.validation_results) when the published warehouse has them.
-- export_for_bi always writes this table in the BI copy: a copy of quality.validation_results
-- (complex columns as text), or one row saying that none were published yet. Selected with *:
-- the page shows whatever columns the table has.
select * from quality.validation_results
