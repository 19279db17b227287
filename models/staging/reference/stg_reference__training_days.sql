with

source as (
    select * from {{ ref('training_days') }}
),

renamed as (
    select
        cast(training_period as {{ dbt.type_string() }}) as training_period,
        period_start as training_period_start,
        period_end as training_period_end,
        domain_code,
        domain_label_fr,
        days as training_days,
        status as training_status,
        source as reference_source
    from source
)

select * from renamed
