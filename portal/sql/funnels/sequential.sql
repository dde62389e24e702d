-- windowFunnel, sequential mode: for every start event (step 1 inside the date range), follow the
-- earliest next step at or after the previous one (ASOF join), count the steps that fall within the
-- window from the start, and keep each user's best chain: highest level, then the one that reaches it
-- first, then the latest start (the chain ClickHouse's windowFunnel and portal/funnel_scan.py keep).
WITH ev AS (
    {{events}}
), {{step_ctes}},
chain AS (
    SELECT s1.user_id, s1.segment, s1.t AS t1{{chain_selects}}
    FROM s1
    {{asof_joins}}
), scored AS (
    SELECT user_id, segment, t1{{times}}, 1{{levels}} AS level
    FROM chain
)
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY level DESC, {{completion}}, t1 DESC, segment) AS rn
    FROM scored
)
WHERE rn = 1
