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
        reason,
        extract_name as extract,
        partition_key,
        scanned_at
    from landing_files
)

select * from final
