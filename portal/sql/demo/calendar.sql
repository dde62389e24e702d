-- First visits per day: yearly growth, weekly seasonality (Sunday/Monday peaks, Saturday dip), the
-- Black Friday week and December gift season, and day-to-day noise.
CREATE OR REPLACE TEMP TABLE demo_days AS
WITH d AS (
    SELECT CAST(range AS DATE) AS day
    FROM range(CAST(getvariable('start_date') AS TIMESTAMP),
               CAST(getvariable('end_date') + 1 AS TIMESTAMP), INTERVAL 1 DAY)
), w AS (
    SELECT
        day,
        exp(getvariable('growth_per_year') * (day - getvariable('start_date')) / 365.0)
        * CASE isodow(day) WHEN 1 THEN 1.06 WHEN 2 THEN 1.02 WHEN 3 THEN 1.00 WHEN 4 THEN 0.98
                           WHEN 5 THEN 0.92 WHEN 6 THEN 0.86 ELSE 1.10 END
        * CASE WHEN month(day) = 11 AND day(day) BETWEEN 21 AND 30 THEN 1.45
               WHEN month(day) = 12 AND day(day) <= 22 THEN 1.20
               WHEN month(day) = 12 THEN 0.85
               ELSE 1.0 END
        * (0.90 + 0.20 * u(CAST(day AS VARCHAR), 'day_noise')) AS w
    FROM d
)
SELECT day, CAST(greatest(1, round(getvariable('visitors') * w / sum(w) OVER ())) AS BIGINT) AS n
FROM w;
