select * from marts.crossfit_strength_progression
