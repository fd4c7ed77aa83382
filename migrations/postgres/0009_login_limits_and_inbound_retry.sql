-- Login attempts counted per key (`user:<name>` or `addr:<client address>`) in a fixed window that starts at the
-- first attempt; stored in the database so that every instance sees the same count and `dealbot admin unlock`
-- can clear a lock-out.
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts (window_start);

-- Inbound messages whose handling failed transiently are retried with backoff.
ALTER TABLE inbound ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE inbound ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
