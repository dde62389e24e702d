-- The split values of the cohort members (few), for members.sql to code them as small integers.
SELECT DISTINCT CAST(SPLIT AS VARCHAR) AS segment
FROM analytics.users
WHERE ANCHOR IS NOT NULL AND SPLIT IS NOT NULL
ORDER BY 1
