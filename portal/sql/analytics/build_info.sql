CREATE OR REPLACE TABLE analytics.build_info AS
SELECT
    CAST(getvariable('built_at') AS TIMESTAMP) AS built_at,
    CAST(getvariable('seed') AS BIGINT) AS seed,
    CAST(getvariable('scale') AS DOUBLE) AS scale,
    CAST(getvariable('start_date') AS DATE) AS data_from,
    (SELECT max(event_date) FROM analytics.events) AS data_through,
    CAST(getvariable('generator_version') AS VARCHAR) AS generator_version;

COMMENT ON TABLE analytics.build_info IS 'When and how this warehouse was built, and how fresh its data is.';
COMMENT ON COLUMN analytics.build_info.built_at IS 'When the build ran';
COMMENT ON COLUMN analytics.build_info.seed IS 'Random seed of the demo generator';
COMMENT ON COLUMN analytics.build_info.scale IS 'Size factor (1 = about 100k customers)';
COMMENT ON COLUMN analytics.build_info.data_from IS 'First day with data';
COMMENT ON COLUMN analytics.build_info.data_through IS 'Last day with data';
COMMENT ON COLUMN analytics.build_info.generator_version IS 'Version of the demo generator';
