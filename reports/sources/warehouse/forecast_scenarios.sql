select * from marts.forecast_scenarios
