select * from marts.crossfit_exercise_stats
