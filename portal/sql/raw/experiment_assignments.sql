CREATE OR REPLACE TABLE raw.experiment_assignments AS
SELECT 'onboarding_address_step' AS experiment_key, person_id AS user_id, exp1_variant AS variant,
       signup_at AS assigned_at, date_trunc('hour', signup_at) + INTERVAL 1 HOUR AS _loaded_at
FROM demo_people WHERE exp1_variant IS NOT NULL
UNION ALL
SELECT 'checkout_button_color', person_id, exp2_variant, signup_at,
       date_trunc('hour', signup_at) + INTERVAL 1 HOUR
FROM demo_people WHERE exp2_variant IS NOT NULL;

COMMENT ON TABLE raw.experiment_assignments IS 'Production dump of the feature-flag service: who saw which variant. Use analytics.experiment_assignments instead.';
COMMENT ON COLUMN raw.experiment_assignments.experiment_key IS 'Experiment (feature flag) key';
COMMENT ON COLUMN raw.experiment_assignments.user_id IS 'Account id';
COMMENT ON COLUMN raw.experiment_assignments.variant IS 'Variant shown';
COMMENT ON COLUMN raw.experiment_assignments.assigned_at IS 'When the flag was first evaluated for the user';
COMMENT ON COLUMN raw.experiment_assignments._loaded_at IS 'When the hourly dump loaded this row';
