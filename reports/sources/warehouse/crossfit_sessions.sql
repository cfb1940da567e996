select * from marts.crossfit_sessions
