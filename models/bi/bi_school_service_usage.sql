-- Accesses to the ENT's tools per school year and school, ranked within the school's year.
-- The accesses are shown only when at least var('min_cell_accounts') accounts used the tool at
-- the school. The events give no account per school and service once purged: the accounts
-- counted are those whose every event of a month was logged in that one school (so their
-- accesses of that month were there), a lower bound of the tool's accounts at the school.
with

accesses as (
    select * from {{ ref('fct_service_accesses_daily') }}
),

account_services as (
    select * from {{ ref('int_service_access_monthly') }}
),

activity as (
    select * from {{ ref('int_account_activity_monthly') }}
),

services as (
    select * from {{ ref('stg_reference__services') }}
),

one_school_months as (
    select
        partition_month,
        account_key,
        min(uai) as uai
    from activity
    group by partition_month, account_key
    having min(uai) = max(uai)
),

tool_accounts as (
    select
        account_services.school_year,
        one_school_months.uai,
        services.tool_code,
        account_services.account_key
    from account_services
    inner join one_school_months
        on
            account_services.partition_month = one_school_months.partition_month
            and account_services.account_key = one_school_months.account_key
    inner join services on account_services.service_code = services.service_code
    where account_services.accesses > 0
    group by
        account_services.school_year,
        one_school_months.uai,
        services.tool_code,
        account_services.account_key
),

accounts_per_tool as (
    select
        school_year,
        uai,
        tool_code,
        count(*) as accounts
    from tool_accounts
    group by school_year, uai, tool_code
),

usage as (
    select
        accesses.school_year,
        accesses.uai,
        services.tool_code as service,
        services.tool_label_fr as service_label_fr,
        cast(sum(accesses.accesses) as bigint) as accesses
    from accesses
    inner join services on accesses.service_code = services.service_code
    group by accesses.school_year, accesses.uai, services.tool_code, services.tool_label_fr
),

shown as (
    select
        usage.school_year,
        usage.uai,
        usage.service,
        usage.service_label_fr,
        {{ suppress_small_cell(
            'usage.accesses', 'coalesce(accounts_per_tool.accounts, 0)'
        ) }} as accesses
    from usage
    left join accounts_per_tool
        on
            usage.school_year = accounts_per_tool.school_year
            and usage.uai = accounts_per_tool.uai
            and usage.service = accounts_per_tool.tool_code
),

final as (
    select
        school_year,
        replace(school_year, '-', '/') as school_year_label,
        uai,
        service,
        service_label_fr,
        accesses,
        case
            when accesses is not null then
                cast(rank() over (
                    partition by school_year, uai, accesses is null order by accesses desc
                ) as bigint)
        end as service_rank
    from shown
)

select * from final
