with

source as (
    select * from {{ ref('bilan_sections') }}
),

renamed as (
    select
        section as report_section,
        section_order,
        label_fr as section_label_fr,
        source as reference_source
    from source
)

select * from renamed
