-- Spine schema (SQLite). Times are unix milliseconds; money is integer 分.
CREATE TABLE robots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL UNIQUE,
    wxid TEXT NOT NULL,
    nickname TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE partners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    wxid TEXT UNIQUE,
    parent_id BIGINT REFERENCES partners(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    robot_id BIGINT NOT NULL REFERENCES robots(id),
    room_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    enabled BIGINT NOT NULL DEFAULT 1,
    partner_id BIGINT REFERENCES partners(id),
    poster_template TEXT,
    copy_template TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (robot_id, room_id)
);

CREATE TABLE members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wxid TEXT NOT NULL UNIQUE,
    nickname TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES groups(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);

CREATE TABLE pids (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    pid TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    owner_kind TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (platform, pid)
);
CREATE INDEX pids_owner ON pids (owner_kind, owner_id, platform);

CREATE TABLE inbound (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE,
    robot_id BIGINT NOT NULL,
    conversation_id TEXT NOT NULL,
    sender_id TEXT,
    status TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX inbound_pending ON inbound (status, id);

CREATE TABLE conversions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    inbound_id BIGINT NOT NULL,
    robot_id BIGINT NOT NULL,
    group_id BIGINT,
    member_wxid TEXT,
    platform TEXT NOT NULL,
    item_key TEXT NOT NULL,
    item_id TEXT NOT NULL,
    title TEXT NOT NULL,
    pid TEXT NOT NULL,
    member_param TEXT,
    promotion_url TEXT NOT NULL,
    short_url TEXT,
    price_fen BIGINT NOT NULL,
    final_price_fen BIGINT NOT NULL,
    commission_fen BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (inbound_id, platform, item_key)
);
CREATE INDEX conversions_group_time ON conversions (group_id, created_at);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    robot_id BIGINT NOT NULL,
    conversation_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    gateway_response TEXT,
    sent_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (robot_id, status, next_attempt_at, id);

CREATE TABLE media (
    id TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
