-- What the ad platforms report per campaign and day. Clicks exceed landed visits (bots, bounces
-- before the page loads); spend is clicks times the campaign's cost per click, with noise.
CREATE OR REPLACE TABLE raw.ad_spend AS
WITH landed AS (
    SELECT first_day AS day, utm_source, utm_medium, utm_campaign, count(*) AS visits
    FROM demo_people
    WHERE utm_campaign IS NOT NULL AND utm_medium <> 'email'
    GROUP BY ALL
), c AS (
    SELECT l.*, ch.cpc, ch.ctr,
           CAST(round(l.visits * (1.10 + 0.15 * u(l.utm_campaign || CAST(l.day AS VARCHAR), 'click_noise'))) AS BIGINT) AS clicks
    FROM landed AS l JOIN demo_channels AS ch USING (utm_campaign)
)
SELECT
    day AS date,
    utm_source AS platform,
    utm_medium AS medium,
    utm_campaign AS campaign_name,
    CAST(round(clicks * cpc * (0.85 + 0.30 * u(utm_campaign || CAST(day AS VARCHAR), 'cpc_noise')) * 100) AS BIGINT) AS spend_cents,
    clicks,
    CAST(round(clicks / ctr * (0.9 + 0.2 * u(utm_campaign || CAST(day AS VARCHAR), 'ctr_noise'))) AS BIGINT) AS impressions,
    CAST(day + 1 AS TIMESTAMP) + INTERVAL 6 HOUR AS _loaded_at
FROM c;

COMMENT ON TABLE raw.ad_spend IS 'Daily export from the ad platforms (Google, Meta, TikTok, display, affiliates). Spend in cents. Use analytics.campaign_daily instead.';
COMMENT ON COLUMN raw.ad_spend.date IS 'Day of the spend';
COMMENT ON COLUMN raw.ad_spend.platform IS 'Ad platform, equals utm_source';
COMMENT ON COLUMN raw.ad_spend.medium IS 'Equals utm_medium';
COMMENT ON COLUMN raw.ad_spend.campaign_name IS 'Equals utm_campaign';
COMMENT ON COLUMN raw.ad_spend.spend_cents IS 'Spend in US cents';
COMMENT ON COLUMN raw.ad_spend.clicks IS 'Clicks reported by the platform';
COMMENT ON COLUMN raw.ad_spend.impressions IS 'Impressions reported by the platform';
COMMENT ON COLUMN raw.ad_spend._loaded_at IS 'When the export was loaded';
