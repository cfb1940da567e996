select * from marts.wellness_daily
