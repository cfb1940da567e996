select * from marts.running_weekly
