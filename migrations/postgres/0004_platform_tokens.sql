-- OAuth tokens of the affiliate platforms (Pinduoduo 多多客授权), the pending authorization states, and the expiry
-- warnings already sent. Times are unix seconds here, as the platforms give them.
CREATE TABLE platform_tokens (
    platform TEXT PRIMARY KEY,
    access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    refresh_expires_at BIGINT NOT NULL,
    owner_id TEXT NOT NULL DEFAULT '',
    owner_name TEXT NOT NULL DEFAULT '',
    refreshed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE oauth_states (
    state TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE token_warnings (
    platform TEXT NOT NULL,
    refresh_expires_at BIGINT NOT NULL,
    threshold_days BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (platform, refresh_expires_at, threshold_days)
);
