with

training as (
    select * from {{ ref('stg_reference__training_days') }}
),

final as (
    select
        training_period,
        domain_code,
        domain_label_fr,
        training_status,
        cast(sum(training_days) as bigint) as training_days
    from training
    group by training_period, domain_code, domain_label_fr, training_status
)

select * from final
