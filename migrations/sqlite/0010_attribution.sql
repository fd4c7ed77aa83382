-- Attribution per conversion (SQLite): every conversion carries a tag naming a row of `attribution_tags` (robot,
-- group, member), sent to the union as PDD `custom_parameters.sid` / JD `subUnionId` and returned on orders.
CREATE TABLE attribution_tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    robot_id BIGINT NOT NULL,
    group_id BIGINT,
    member_id BIGINT,
    platform TEXT NOT NULL,
    item_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attribution_tags_conversion ON attribution_tags (robot_id, platform, item_key, created_at);
ALTER TABLE conversions ADD COLUMN tag_id BIGINT;
CREATE INDEX conversions_member ON conversions (member_wxid, id);
CREATE INDEX inbound_conversation ON inbound (conversation_id, robot_id);

-- Set when the order's tag and its PID name different groups (the tag wins).
ALTER TABLE orders ADD COLUMN attribution_conflict BIGINT NOT NULL DEFAULT 0;

-- Admins giving an order without a group to a member, with the reason. Append-only.
CREATE TABLE order_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    group_id BIGINT,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX order_assignments_order ON order_assignments (order_id, id);

-- Taobao member registration (会员运营 special_id / 渠道 relation_id): one row per member, created when the
-- registration link is sent; `token` is the state the consent page echoes back.
CREATE TABLE taobao_registrations (
    member_id BIGINT PRIMARY KEY,
    robot_id BIGINT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    tag TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
