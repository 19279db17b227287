"""The BI site (Evidence), built from the published warehouse."""
