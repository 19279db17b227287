-- The threshold of small-cell suppression, for the pages that state the rule: they read it here
-- instead of writing the number in their text.
with

final as (
    select cast({{ var('min_cell_accounts') }} as integer) as min_cell_accounts
)

select * from final
