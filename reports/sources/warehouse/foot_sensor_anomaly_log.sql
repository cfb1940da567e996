select * from marts.foot_sensor_anomaly_log
