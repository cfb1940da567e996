select * from marts.body_weekly
