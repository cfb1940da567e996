select * from marts.forecast_neighbours
