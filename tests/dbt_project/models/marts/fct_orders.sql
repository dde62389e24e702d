select
    c.charge_id as order_id,
    c.user_id,
    u.plan,
    c.amount_usd as revenue,
    cast(c.charged_at as date) as order_date
from {{ ref('stg_charges') }} as c
join {{ ref('stg_users') }} as u on u.user_id = c.user_id
where c.status = 'succeeded'
