select * from marts.model_runs
