select * from marts.data_health_quarantine
