"""dbt: the project as Dagster assets, and the dbt CLI resource."""
