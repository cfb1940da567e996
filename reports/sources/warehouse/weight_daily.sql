select * from marts.weight_daily
