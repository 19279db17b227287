-- Every file of the landing folder at the last run, and why it is or is not loaded
-- (raw.landing_files, orchestration/landing.py). File names and sizes: nothing to suppress.
select
    path,
    size_bytes,
    status,
    case status
        when 'extract' then 'chargé'
        when 'warning' then 'non chargé : à vérifier'
        else 'non chargé'
    end as status_fr,
    reason,
    extract,
    partition_key,
    scanned_at
from raw.landing_files
order by status desc, path
