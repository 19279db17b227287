with

source as (
    select * from {{ ref('school_calendar') }}
),

renamed as (
    select
        school_year,
        holiday_code,
        label_fr as holiday_label_fr,
        first_day_off,
        classes_resume_on,
        source as reference_source
    from source
)

select * from renamed
