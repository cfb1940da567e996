select * from marts.athletes
