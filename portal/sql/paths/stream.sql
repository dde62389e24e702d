-- The event stream for the paths pass when the event index is not current: every named event of a
-- known person in (person, time, name) order, with the breakdown property ({{prop}}: a declared event
-- property, or NULL) beside it.
SELECT e.user_id, epoch_us(e.event_at) AS t, e.event_name, {{prop}} AS prop
FROM {{events}} AS e
WHERE e.user_id IS NOT NULL AND e.event_name IS NOT NULL
ORDER BY e.user_id, e.event_at, e.event_name
