-- Training days per period and domain, done or planned (marts.agg_training_days).
select
    training_period,
    domain_code,
    domain_label_fr,
    training_status,
    case training_status when 'done' then 'réalisée' when 'planned' then 'prévue' end
        as training_status_fr,
    training_days
from marts.agg_training_days
order by training_period, domain_code
