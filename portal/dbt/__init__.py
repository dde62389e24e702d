"""The data team's dbt project, read from its artifacts (`artifacts`): descriptions, test results and
freshness on the catalog (`docs`), column lineage from compiled SQL (`lineage`), the portal's
dashboards and saved queries as dbt exposures (`exposures`), and dbt's semantic models and metrics
set beside the portal's own (`semantic`)."""
