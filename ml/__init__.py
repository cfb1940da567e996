"""KNN forecast of weekly weight and fat-ratio change from training load (no Dagster here)."""
