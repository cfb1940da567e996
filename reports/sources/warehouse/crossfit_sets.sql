select * from marts.crossfit_sets
