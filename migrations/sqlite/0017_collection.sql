-- Group collection (微信群采集): source groups whose deals are re-converted with our PIDs and forwarded to our groups.
-- A source's rules (sender filter, cleaning, filters, targets, pacing) are one typed JSON document
-- (collection::SourceSpec). Times in unix milliseconds.
CREATE TABLE collect_sources (
    group_id BIGINT PRIMARY KEY REFERENCES groups(id),
    spec TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every message seen in a source group with its outcome: forwarded, dropped (reason), or an image (paired with
-- the text message `paired_with` when one came from the same sender within the pairing window).
CREATE TABLE collect_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_group_id BIGINT NOT NULL REFERENCES groups(id),
    dedupe_key TEXT NOT NULL UNIQUE,
    sender TEXT,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('forwarded', 'dropped', 'image')),
    reason TEXT,
    paired_with BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX collect_messages_source ON collect_messages (source_group_id, id);

-- What a forwarded message became in one target group: one row per (message, group, item), with the attribution
-- tag its link carries so orders are counted to the source.
CREATE TABLE collect_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id BIGINT NOT NULL REFERENCES collect_messages(id),
    source_group_id BIGINT NOT NULL,
    group_id BIGINT NOT NULL REFERENCES groups(id),
    platform TEXT NOT NULL,
    item_key TEXT NOT NULL,
    tag_id BIGINT,
    not_before BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (message_id, group_id, item_key)
);
CREATE INDEX collect_deliveries_group ON collect_deliveries (group_id, not_before);
CREATE INDEX collect_deliveries_source ON collect_deliveries (source_group_id);

-- Items forwarded recently, whichever source posted them (platform + the source's reference key or the item id).
CREATE TABLE collect_seen (
    platform TEXT NOT NULL,
    item_key TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (platform, item_key)
);
