-- The selection library (选品库): items pulled from the unions' feeds, one row per (platform, item key), refreshed
-- in place. Money in 分, rates in basis points, coupon times in unix seconds, other times in unix milliseconds.
CREATE TABLE feed_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    item_key TEXT NOT NULL,
    title TEXT NOT NULL,
    short_title TEXT,
    image_url TEXT,
    price_fen BIGINT NOT NULL,
    final_price_fen BIGINT NOT NULL,
    coupon_fen BIGINT NOT NULL DEFAULT 0,
    coupon_threshold_fen BIGINT NOT NULL DEFAULT 0,
    coupon_start BIGINT,
    coupon_end BIGINT,
    commission_bps BIGINT NOT NULL,
    commission_fen BIGINT NOT NULL,
    sales BIGINT NOT NULL DEFAULT 0,
    sales_text TEXT,
    shop TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    -- where it was last seen: 'channel:5', 'elite:22', 'material:3756'
    source TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (platform, item_key)
);
CREATE INDEX feed_items_last_seen ON feed_items (last_seen_at);
CREATE INDEX feed_items_commission ON feed_items (commission_fen);

-- Posting plans (发单计划): targets, source, schedule and switch as one typed JSON document (posting::Plan).
-- A plan an owner made from the chat for their group has chat_group_id set (one per group).
CREATE TABLE posting_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 0,
    chat_group_id BIGINT UNIQUE REFERENCES groups(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX posting_plans_enabled ON posting_plans (enabled);

-- Every post a plan made or skipped: one row per (plan, group, slot, item). status: queued (handed to the outbox
-- under outbox_key), skipped (reason: gone, coupon, price_up, commission), failed (reason). slot_at in unix seconds.
CREATE TABLE posting_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id BIGINT NOT NULL REFERENCES posting_plans(id),
    group_id BIGINT NOT NULL REFERENCES groups(id),
    robot_id BIGINT NOT NULL,
    slot_at BIGINT NOT NULL,
    platform TEXT NOT NULL,
    item_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'skipped', 'failed')),
    reason TEXT,
    outbox_key TEXT,
    promotion_url TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (plan_id, group_id, slot_at, item_key)
);
CREATE INDEX posting_deliveries_group ON posting_deliveries (group_id, created_at);
