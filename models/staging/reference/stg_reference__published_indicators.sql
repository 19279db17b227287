with

source as (
    select * from {{ ref('published_indicators') }}
),

renamed as (
    select
        indicator_code,
        display_order,
        section as report_section,
        label_fr,
        period as indicator_period,
        published_value,
        unit,
        comparison,
        tolerance,
        audit_note,
        source as report_quote
    from source
)

select * from renamed
