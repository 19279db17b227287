with

service_usage as (
    select * from {{ ref('agg_service_usage') }}
),

final as (
    select
        school_year,
        replace(school_year, '-', '/') as school_year_label,
        service,
        service_label_fr,
        -- the accesses of fewer accounts than the threshold would tell about those accounts
        {{ suppress_small_cell('accesses', 'accounts') }} as accesses,
        {{ suppress_small_cell('accounts') }} as accounts,
        service_rank
    from service_usage
)

select * from final
