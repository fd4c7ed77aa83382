-- Affiliate orders (SQLite): the orders themselves, their history, sync cursors, leases for periodic jobs and
-- members' claims. Order times (paid_at, modified_at, …) are unix seconds as the platforms give them; created_at /
-- updated_at are unix milliseconds like every other table. Money is integer 分, rates basis points.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    order_key TEXT NOT NULL,
    parent_key TEXT,
    item_id TEXT NOT NULL DEFAULT '',
    item_title TEXT NOT NULL DEFAULT '',
    paid_amount_fen BIGINT NOT NULL,
    estimated_commission_fen BIGINT NOT NULL,
    settled_commission_fen BIGINT NOT NULL,
    rate_bps BIGINT NOT NULL,
    raw_status TEXT NOT NULL,
    lifecycle TEXT NOT NULL,
    pid TEXT NOT NULL DEFAULT '',
    member_tag TEXT,
    group_id BIGINT,
    partner_id BIGINT,
    member_id BIGINT,
    attribution TEXT NOT NULL DEFAULT 'none',
    ordered_at BIGINT,
    paid_at BIGINT,
    settled_at BIGINT,
    modified_at BIGINT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    ledger_revision BIGINT NOT NULL DEFAULT 0,
    raw TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (platform, order_key)
);
CREATE INDEX orders_modified ON orders (platform, modified_at);
CREATE INDEX orders_unattributed ON orders (member_id, platform);

CREATE TABLE order_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders(id),
    lifecycle TEXT NOT NULL,
    raw_status TEXT NOT NULL,
    commission_fen BIGINT NOT NULL,
    paid_amount_fen BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, id);

CREATE TABLE sync_cursors (
    platform TEXT PRIMARY KEY,
    synced_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Member tags that are not member ids (Taobao relation_id / special_id) → member.
CREATE TABLE member_tags (
    platform TEXT NOT NULL,
    tag TEXT NOT NULL,
    member_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (platform, tag)
);

CREATE TABLE order_claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_key TEXT NOT NULL UNIQUE,
    member_id BIGINT NOT NULL,
    group_id BIGINT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
