select * from marts.runs
