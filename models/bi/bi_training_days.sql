-- Days of training, not people: nothing to suppress.
with

training as (
    select * from {{ ref('agg_training_days') }}
),

final as (
    select
        training_period,
        domain_code,
        domain_label_fr,
        training_status,
        case training_status when 'done' then 'réalisée' when 'planned' then 'prévue' end
            as training_status_fr,
        training_days
    from training
)

select * from final
