select
    u.user_id,
    u.plan,
    u.signed_up_at,
    min(o.order_date) as first_order_date,
    coalesce(sum(o.revenue), 0) as lifetime_revenue
from {{ ref('stg_users') }} as u
left join {{ ref('fct_orders') }} as o on o.user_id = u.user_id
group by u.user_id, u.plan, u.signed_up_at
