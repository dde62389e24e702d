-- title: Activation by signup week
-- description: Share of each week's signups who completed onboarding: the metric activation_rate, week by week.
-- owner: priya
-- team: growth
-- tags: onboarding, activation
-- status: curated
-- param: start date default=2025-01-06
-- param: end date default=2026-11-15
-- param: platform text default=all
-- param: campaign text default=all
-- chart: line x=signup_week y=activation_rate
SELECT
    signup_week,
    count(*) AS signups,
    count(*) FILTER (WHERE onboarding_completed) AS activated,
    round(avg(CAST(onboarding_completed AS INTEGER)), 4) AS activation_rate
FROM analytics.users
WHERE signup_date BETWEEN $start AND $end
  AND ($platform = 'all' OR platform = $platform) AND ($campaign = 'all' OR utm_campaign = $campaign)
GROUP BY signup_week
ORDER BY signup_week
