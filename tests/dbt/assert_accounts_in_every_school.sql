-- Gate (b), on any data: the current accounts directory (the newest snapshot) has accounts in
-- every school of the reference. A school missing is a truncated export, or a school that left
-- the ENT and must leave seeds/schools.csv too.
with

schools as (
    select * from {{ ref('dim_schools') }}
),

current_accounts as (
    select * from {{ ref('agg_accounts_by_snapshot') }}
    where is_current_snapshot
),

school_accounts as (
    select
        uai,
        max(snapshot_date) as snapshot_date,
        sum(accounts) as accounts
    from current_accounts
    group by uai
),

newest as (
    select max(snapshot_date) as snapshot_date
    from current_accounts
),

final as (
    select
        {{ dbt.concat(["'accounts in school '", 'schools.uai']) }} as rule,
        {{ dbt.concat(["'snapshot of '", dbt.cast('newest.snapshot_date', dbt.type_string())]) }} as period,
        'at least 1' as expected,
        '0' as observed
    from schools
    cross join newest
    left join school_accounts on schools.uai = school_accounts.uai
    where school_accounts.uai is null and newest.snapshot_date is not null
)

select * from final
