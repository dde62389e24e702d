-- Acquisition channels and campaigns. share: of first visits; cpc/ctr: what ad platforms report;
-- signup/buy/retention factors: how well the traffic converts and stays (the campaign story lives here:
-- tiktok_creators and display_retarget buy cheap clicks that rarely convert, google_* the opposite).
CREATE OR REPLACE TEMP TABLE demo_channels AS
SELECT *, sum(share) OVER (ORDER BY ord) - share AS lo, sum(share) OVER (ORDER BY ord) AS hi
FROM (VALUES
    (1, 'direct',         NULL,            NULL,          NULL,                0.19, 0.00, 0.000, 1.00, 1.00, 1.05),
    (2, 'organic_search', 'google',        'organic',     NULL,                0.19, 0.00, 0.000, 1.00, 1.00, 1.00),
    (3, 'referral',       'blog_partners', 'referral',    NULL,                0.05, 0.00, 0.000, 1.10, 1.10, 1.00),
    (4, 'email',          'newsletter',    'email',       'weekly_deals',      0.05, 0.00, 0.000, 1.20, 1.30, 1.30),
    (5, 'paid_search',    'google',        'cpc',         'google_brand',      0.08, 1.40, 0.060, 1.30, 1.60, 1.20),
    (6, 'paid_search',    'google',        'cpc',         'google_shopping',   0.08, 0.95, 0.030, 1.10, 1.50, 1.10),
    (7, 'paid_social',    'meta',          'paid_social', 'meta_lookalike',    0.10, 0.65, 0.012, 0.90, 0.90, 0.90),
    (8, 'paid_social',    'tiktok',        'paid_social', 'tiktok_creators',   0.15, 0.35, 0.020, 0.50, 0.18, 0.60),
    (9, 'display',        'gdn',           'display',     'display_retarget',  0.07, 0.40, 0.004, 0.55, 0.30, 0.70),
    (10, 'affiliate',     'partners',      'affiliate',   'affiliate_coupons', 0.04, 0.55, 0.020, 1.00, 1.20, 0.90)
) AS t(ord, channel, utm_source, utm_medium, utm_campaign, share, cpc, ctr, signup_factor, buy_factor, retention_factor);
