-- title: Revenue by plan
-- description: Succeeded orders and their revenue per plan, from dbt's fct_orders.
-- owner: dana
-- team: finance
-- status: curated
SELECT plan, count(*) AS orders, round(sum(revenue), 2) AS revenue
FROM marts.fct_orders
GROUP BY plan
ORDER BY revenue DESC
