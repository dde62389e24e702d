CREATE OR REPLACE TABLE analytics.campaign_daily AS
SELECT
    a.date,
    CASE a.medium WHEN 'cpc' THEN 'paid_search' WHEN 'paid_social' THEN 'paid_social'
                  WHEN 'display' THEN 'display' WHEN 'affiliate' THEN 'affiliate' ELSE a.medium END AS channel,
    a.platform AS utm_source,
    a.medium AS utm_medium,
    a.campaign_name AS utm_campaign,
    a.spend_cents / 100.0 AS spend,
    a.clicks,
    a.impressions
FROM raw.ad_spend AS a
ORDER BY a.date, a.campaign_name;

COMMENT ON TABLE analytics.campaign_daily IS 'Paid campaigns per day: spend, clicks and impressions as the ad platforms report them. Join to analytics.users on utm_campaign for signups and customers.';
COMMENT ON COLUMN analytics.campaign_daily.date IS 'Day';
COMMENT ON COLUMN analytics.campaign_daily.channel IS 'paid_search, paid_social, display or affiliate';
COMMENT ON COLUMN analytics.campaign_daily.utm_source IS 'Ad platform (utm_source)';
COMMENT ON COLUMN analytics.campaign_daily.utm_medium IS 'utm_medium';
COMMENT ON COLUMN analytics.campaign_daily.utm_campaign IS 'Campaign (utm_campaign)';
COMMENT ON COLUMN analytics.campaign_daily.spend IS 'Spend in USD';
COMMENT ON COLUMN analytics.campaign_daily.clicks IS 'Clicks reported by the ad platform';
COMMENT ON COLUMN analytics.campaign_daily.impressions IS 'Impressions reported by the ad platform';
