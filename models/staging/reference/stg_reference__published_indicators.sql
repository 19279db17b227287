with

source as (
    select * from {{ ref('published_indicators') }}
),

renamed as (
    select
        report_code,
        indicator_code,
        display_order,
        section as report_section,
        label_fr,
        metric_code,
        period_start,
        period_end,
        as_of_date,
        published_value,
        unit,
        comparison,
        tolerance,
        known_mismatch as is_known_mismatch,
        audit_note,
        not_computable_reason,
        source as report_quote
    from source
)

select * from renamed
