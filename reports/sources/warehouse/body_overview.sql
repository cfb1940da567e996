select * from marts.body_overview
