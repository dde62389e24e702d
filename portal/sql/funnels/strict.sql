-- windowFunnel, strict mode: the steps must follow each other with no other funnel event in
-- between. Each funnel event carries the first step it matches; from every step-1 event we read
-- the next funnel events in time order (lead) and count how many continue the sequence in the window.
WITH ev AS (
    {{events}}
), labelled AS (
    SELECT user_id, t, segment, {{label}} AS step FROM ev WHERE {{label}} IS NOT NULL
), seq AS (
    SELECT user_id, t, segment, step{{leads}}
    FROM labelled
    WINDOW w AS (PARTITION BY user_id ORDER BY t, step)
), scored AS (
    SELECT user_id, segment, t AS t1{{times}}, 1{{levels}} AS level
    FROM seq
    WHERE step = 1 AND t >= $start AND t < $end_exclusive
)
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY level DESC, t1, segment) AS rn
    FROM scored
)
WHERE rn = 1
