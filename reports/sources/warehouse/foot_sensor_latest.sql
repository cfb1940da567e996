select * from marts.foot_sensor_latest
