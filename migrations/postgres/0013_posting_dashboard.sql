-- Posting on the dashboard: each queued post names the attribution tag its link carries (attribution_tags.id), so
-- orders that come back with that tag are counted to the post, its group and its plan.
ALTER TABLE posting_deliveries ADD COLUMN tag_id BIGINT;
CREATE INDEX posting_deliveries_tag ON posting_deliveries (tag_id);
CREATE INDEX posting_deliveries_plan ON posting_deliveries (plan_id, id);
