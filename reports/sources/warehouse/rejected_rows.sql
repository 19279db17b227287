-- Rejected rows per extract and rule (raw.rejected_rows counted; the rows themselves never reach
-- the BI copy). Every loaded extract has a row, with 0 when nothing was rejected.
select
    l.extract,
    coalesce(r.reason, '(aucune)') as reason,
    count(r.extract) as rejected_rows
from (select distinct extract from raw.load_log) as l
left join raw.rejected_rows as r on l.extract = r.extract
group by l.extract, r.reason
order by l.extract, rejected_rows desc
