-- Activity stream for the retention pass: one row per (qualifying) event in storage order, which is
-- person then time, with its day; the pass turns days into periods. {{activity}} is a fixed condition;
-- $event is bound.
SELECT e.user_id, e.event_date
FROM {{events}} AS e
WHERE e.user_id IS NOT NULL AND {{activity}}
