with

source as (
    select * from {{ ref('bilan_metrics') }}
),

renamed as (
    select
        metric_code,
        display_order,
        section as report_section,
        label_fr,
        unit,
        definition as metric_definition
    from source
)

select * from renamed
