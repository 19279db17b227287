with

source as (
    select * from {{ ref('services') }}
),

renamed as (
    select
        service_code,
        service_label_fr,
        tool_code,
        tool_label_fr,
        source as reference_source
    from source
)

select * from renamed
