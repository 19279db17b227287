-- The pedagogical sequences of the newest sequences snapshot: every snapshot is kept in raw,
-- the newest one holds every sequence created so far.
with

sequences as (
    select * from {{ ref('stg_raw__pedagogical_sequences') }}
),

newest as (
    select max(snapshot_date) as snapshot_date
    from sequences
),

final as (
    select sequences.*
    from sequences
    inner join newest on sequences.snapshot_date = newest.snapshot_date
)

select * from final
