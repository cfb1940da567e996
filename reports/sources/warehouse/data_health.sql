select * from marts.data_health
