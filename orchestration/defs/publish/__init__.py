"""Publication: the build file made the published warehouse, the job and schedule that do it."""
