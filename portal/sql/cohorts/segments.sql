-- The split values of the cohort members (few), for members.sql to code them as small integers.
SELECT DISTINCT CAST({{split}} AS VARCHAR) AS segment
FROM {{people}}
WHERE {{anchor}} IS NOT NULL AND {{split}} IS NOT NULL
ORDER BY 1
