select
    id as charge_id,
    customer as user_id,
    amount / 100.0 as amount_usd,
    status,
    created as charged_at
from {{ source('stripe', 'charges') }}
