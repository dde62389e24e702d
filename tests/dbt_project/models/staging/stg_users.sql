select
    id as user_id,
    email,
    full_name,
    plan,
    created_at as signed_up_at
from {{ source('app', 'users') }}
