with

source as (
    select * from {{ ref('budget_lines') }}
),

renamed as (
    select
        budget_line_id,
        line_type,
        label_fr as budget_line_label_fr,
        period_start,
        period_end,
        cast(amount_eur as {{ dbt.type_numeric() }}) as amount_eur,
        funder,
        source as reference_source
    from source
)

select * from renamed
