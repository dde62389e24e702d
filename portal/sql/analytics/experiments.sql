CREATE OR REPLACE TABLE analytics.experiments AS
SELECT * FROM (VALUES
    ('onboarding_address_step',
     'Does skipping the address step during onboarding raise onboarding completion? control: with the address step; no_address_step: address asked at first checkout.',
     CAST(getvariable('exp1_start') AS TIMESTAMP), CAST(getvariable('exp1_end') AS TIMESTAMP),
     'onboarding_complete', 'control', ['control', 'no_address_step']),
    ('checkout_button_color',
     'Does a green checkout button raise purchases over the blue one?',
     CAST(getvariable('exp2_start') AS TIMESTAMP), CAST(getvariable('exp2_end') AS TIMESTAMP),
     'purchase', 'blue', ['blue', 'green'])
) AS t(experiment, description, started_at, ended_at, target_event, control_variant, variants);

COMMENT ON TABLE analytics.experiments IS 'A/B tests run through the feature-flag service: hypothesis, dates and the event each one targets.';
COMMENT ON COLUMN analytics.experiments.experiment IS 'Experiment key';
COMMENT ON COLUMN analytics.experiments.description IS 'Hypothesis and variants';
COMMENT ON COLUMN analytics.experiments.started_at IS 'First assignment';
COMMENT ON COLUMN analytics.experiments.ended_at IS 'Assignment stopped';
COMMENT ON COLUMN analytics.experiments.target_event IS 'Event the experiment tries to move (analytics.events.event_name)';
COMMENT ON COLUMN analytics.experiments.control_variant IS 'The baseline variant';
COMMENT ON COLUMN analytics.experiments.variants IS 'All variants';

CREATE OR REPLACE TABLE analytics.experiment_assignments AS
SELECT experiment_key AS experiment, user_id, variant, assigned_at
FROM raw.experiment_assignments
WHERE user_id NOT IN (SELECT user_id FROM test_accounts)
ORDER BY experiment, user_id;

COMMENT ON TABLE analytics.experiment_assignments IS 'Who was assigned to which experiment variant, and when.';
COMMENT ON COLUMN analytics.experiment_assignments.experiment IS 'Experiment key (analytics.experiments.experiment)';
COMMENT ON COLUMN analytics.experiment_assignments.user_id IS 'Customer (analytics.users.user_id)';
COMMENT ON COLUMN analytics.experiment_assignments.variant IS 'Variant shown';
COMMENT ON COLUMN analytics.experiment_assignments.assigned_at IS 'When the user was assigned';
