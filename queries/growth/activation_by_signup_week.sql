-- title: Activation by signup week
-- description: Share of each week's signups who completed onboarding.
-- owner: priya
-- team: growth
-- tags: onboarding, activation
-- status: curated
-- chart: line x=signup_week y=activation_rate
SELECT
    signup_week,
    count(*) AS signups,
    round(avg(CAST(onboarding_completed AS INTEGER)), 4) AS activation_rate
FROM analytics.users
GROUP BY signup_week
ORDER BY signup_week
