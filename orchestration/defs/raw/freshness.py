"""How fresh the raw assets are expected to be: Dagster freshness policies, shown in the UI (a
late delivery makes the figures old, not wrong: nothing here blocks a run).

- Each month's authentication log is expected by the 10th of the next month, 06:00 Europe/Paris
  (the daily refresh runs at 06:00): by then `raw/auth_events` must have been loaded within the
  28 days before (the shortest month: a cron policy cannot look back further).
- The snapshot loads and the load log are expected at least every 7 days, as dbt's source
  freshness says (models/staging/raw/_raw__sources.yml, `warn_after: 7 days`); 14 days fail.
"""

import datetime as dt

from dagster import FreshnessPolicy

from orchestration.defs.raw.partitions import TIME_ZONE

MONTHLY_DELIVERY = FreshnessPolicy.cron(
    deadline_cron="0 6 10 * *", lower_bound_delta=dt.timedelta(days=28), timezone=TIME_ZONE
)
WEEKLY_LOADS = FreshnessPolicy.time_window(
    fail_window=dt.timedelta(days=14), warn_window=dt.timedelta(days=7)
)
