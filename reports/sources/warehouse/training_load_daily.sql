select * from marts.training_load_daily
