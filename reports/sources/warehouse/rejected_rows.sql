-- Rejected rows per extract, partition (a month of logs or a snapshot date) and rule
-- (raw.rejected_rows counted; the rows themselves never reach the BI copy). Every loaded
-- extract has a row, with 0 when nothing was rejected.
select
    l.extract,
    l.partition_key,
    coalesce(split_part(r.reason, ':', 1), '(aucune)') as rule,
    coalesce(r.reason, '(aucune)') as reason,
    count(r.extract) as rejected_rows
from (select distinct extract, partition_key from raw.load_log) as l
left join raw.rejected_rows as r on l.extract = r.extract and l.partition_key = r.partition_key
group by l.extract, l.partition_key, r.reason
order by l.extract, l.partition_key, rejected_rows desc
