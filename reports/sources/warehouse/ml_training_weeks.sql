select * from marts.ml_training_weeks
