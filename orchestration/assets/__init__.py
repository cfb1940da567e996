"""Dagster assets: one module per source, plus dbt (and later ML and the report site)."""
