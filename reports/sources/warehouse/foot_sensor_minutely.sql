-- The last 24 hours of minutes (the mart keeps every minute ever polled).
select * from marts.foot_sensor_minutely
where minute >= (select max(minute) from marts.foot_sensor_minutely) - interval '24 hours'
