-- title: Onboarding address-step experiment
-- description: Users per variant and the share who completed onboarding.
-- owner: priya
-- team: growth
-- tags: experiment, onboarding
-- status: curated
-- param: experiment text default=onboarding_address_step choices=onboarding_address_step|checkout_button_color
-- chart: bar x=variant y=completion_rate
SELECT
    a.variant,
    count(*) AS users,
    round(avg(CAST(u.onboarding_completed AS INTEGER)), 4) AS completion_rate,
    round(avg(CAST(u.is_customer AS INTEGER)), 4) AS customer_rate
FROM analytics.experiment_assignments AS a
JOIN analytics.users AS u USING (user_id)
WHERE a.experiment = $experiment
GROUP BY a.variant
ORDER BY a.variant
