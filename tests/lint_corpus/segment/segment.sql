-- case: assignees and their sign-ins, key unqualified after a LEFT JOIN
-- expect: L008
SELECT user_id, count(i.anonymous_id) AS devices
FROM experiments.assignments a
LEFT JOIN segment.identifies i ON i.user_id = a.user_id
GROUP BY user_id

-- case: events per identified device, key unqualified after a RIGHT JOIN
-- expect: L008
SELECT anonymous_id, count(t.event) AS events
FROM segment.tracks t
RIGHT JOIN segment.identifies i ON i.anonymous_id = t.anonymous_id
GROUP BY anonymous_id

-- case: people on either side, key unqualified after a FULL JOIN
-- expect: L008
SELECT user_id, a.variant, i.anonymous_id
FROM experiments.assignments a
FULL JOIN segment.identifies i ON i.user_id = a.user_id

-- case: three tables share a key the joins tie together
-- expect: L008
SELECT user_id, t.event, a.variant
FROM segment.identifies i
JOIN segment.tracks t ON t.user_id = i.user_id
JOIN experiments.assignments a ON a.user_id = i.user_id

-- case: charges in dollars with customers, comma join listed backwards
-- expect: none
SELECT c.metadata_user_id, sum(ch.amount) / 100 AS dollars
FROM stripe.charges ch, segment.users u, stripe.customers c
WHERE u.id = c.metadata_user_id AND ch.customer = c.id
GROUP BY 1

-- case: a sample of raw events
-- expect: none
SELECT anonymous_id, event, "timestamp" FROM segment.tracks LIMIT 5

-- case: the five biggest charges through an ordered subquery
-- expect: none
SELECT customer, amount
FROM (SELECT customer, amount FROM stripe.charges ORDER BY amount DESC)
LIMIT 5

-- case: signed-out events compared with NULL across a comment
-- expect: L005
SELECT count(*) AS anonymous_events FROM segment.tracks WHERE user_id = /* signed out */ NULL

-- case: signed-in events compared with NULL
-- expect: L005
SELECT event, count(*) AS events FROM segment.tracks WHERE user_id <> NULL GROUP BY event ORDER BY event

-- case: a typed NULL comparison left alone
-- expect: none
SELECT count(*) FILTER (WHERE user_id = NULL::VARCHAR) AS never FROM segment.tracks

-- case: identities with an INTERSECT of devices
-- expect: none
SELECT i.user_id, i.anonymous_id
FROM segment.identifies i,
     (SELECT anonymous_id AS device FROM segment.tracks INTERSECT SELECT anonymous_id FROM segment.identifies) seen
WHERE i.anonymous_id = device

-- case: CTE of first seen joined to CTE of sign-ups
-- expect: none
WITH first_seen AS (SELECT anonymous_id, min("timestamp") AS seen_at FROM segment.tracks GROUP BY anonymous_id),
     signed AS (SELECT anonymous_id, min("timestamp") AS signed_at FROM segment.identifies GROUP BY anonymous_id)
SELECT f.anonymous_id, date_diff('minute', seen_at, signed_at) AS minutes_to_sign_up
FROM first_seen f JOIN signed s ON s.anonymous_id = f.anonymous_id
ORDER BY 2 DESC
LIMIT 10
