-- Robots managed on the dashboard (issue 17): a robot added on the 机器人 page keeps its gateway's API URL and
-- token here (config-declared robots keep theirs in the settings: origin 'config'), the secret of its webhook
-- URL, and per-robot pacing that overrides the settings' values (NULL: the settings' value).
ALTER TABLE robots ADD COLUMN origin TEXT NOT NULL DEFAULT 'config';
ALTER TABLE robots ADD COLUMN gateway_url TEXT NOT NULL DEFAULT '';
ALTER TABLE robots ADD COLUMN gateway_token TEXT NOT NULL DEFAULT '';
ALTER TABLE robots ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE robots ADD COLUMN min_send_interval_ms BIGINT;
ALTER TABLE robots ADD COLUMN send_jitter_ms BIGINT;
ALTER TABLE robots ADD COLUMN min_group_interval_ms BIGINT;
