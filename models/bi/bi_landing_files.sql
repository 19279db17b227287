-- File names and sizes of the landing folder: nothing to suppress.
with

landing_files as (
    select * from {{ ref('stg_raw__landing_files') }}
),

final as (
    select
        landing_path as path,
        size_bytes,
        status,
        case status
            when 'extract' then 'chargé'
            when 'warning' then 'non chargé : à vérifier'
            else 'non chargé'
        end as status_fr,
        -- why the file is not loaded, in French: orchestration/landing.py writes its sentences
        -- in English (the run's output); each one is translated here, its names and dates kept
        case
            when reason = 'not an extract of the contract (docs/extracts.md)'
                then 'pas un extrait du contrat (docs/extracts.md)'
            when reason = 'the demo generator''s marker, not an extract'
                then 'le marqueur du générateur de données de démonstration, pas un extrait'
            when reason = 'a hidden or partial file (being copied?)'
                then 'un fichier caché ou partiel (en cours de copie ?)'
            when regexp_matches(reason, '^a file of (\S+) in the wrong folder: expected (.+)$')
                then regexp_replace(
                    reason,
                    '^a file of (\S+) in the wrong folder: expected (.+)$',
                    'un fichier de \1 dans le mauvais dossier : attendu \2'
                )
            when regexp_matches(reason, '^named like a file of (\S+), but its date is not (\S+): expected (.+)$')
                then regexp_replace(
                    reason,
                    '^named like a file of (\S+), but its date is not (\S+): expected (.+)$',
                    'nommé comme un fichier de \1, mais sa date n''est pas au format \2 : attendu \3'
                )
            when regexp_matches(reason, '^named like a file of (\S+), but (\S+) is no valid date$')
                then regexp_replace(
                    reason,
                    '^named like a file of (\S+), but (\S+) is no valid date$',
                    'nommé comme un fichier de \1, mais \2 n''est pas une date valide'
                )
            when regexp_matches(reason, '^named like a file of (\S+), but not as the contract says: expected (.+)$')
                then regexp_replace(
                    reason,
                    '^named like a file of (\S+), but not as the contract says: expected (.+)$',
                    'nommé comme un fichier de \1, mais pas comme le dit le contrat : attendu \2'
                )
            when regexp_matches(reason, '^before the contract''s first month \((\S+)\)$')
                then regexp_replace(
                    reason,
                    '^before the contract''s first month \((\S+)\)$',
                    'antérieur au premier mois du contrat (\1)'
                )
            else reason
        end as reason,
        extract_name as extract,
        partition_key,
        scanned_at
    from landing_files
)

select * from final
