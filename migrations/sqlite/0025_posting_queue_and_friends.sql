-- The posting engine's queue: a deal that collection made ours for one target group waits here until the group's
-- pacing lets it out (a plan's slot, or "as they come" within the caps), then it is handed to the outbox, or it is
-- skipped with its reason (duplicate: the group had one of its items within the de-duplication period; expired:
-- it waited too long). items: JSON list of the deal's items (platform, reference key, item id, tag, link);
-- bodies: JSON list of the chat bodies to send; poster: the headline item's conversion, drawn as the group's poster
-- when the deal goes out (none: no poster, or the source's own picture is among the bodies); pace: the source's own pacing (posting::queue::Pace), for a group
-- that no collection plan paces. Times in unix milliseconds.
CREATE TABLE posting_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id BIGINT NOT NULL REFERENCES collect_messages(id),
    source_group_id BIGINT NOT NULL,
    group_id BIGINT NOT NULL REFERENCES groups(id),
    robot_id BIGINT NOT NULL,
    items TEXT NOT NULL,
    bodies TEXT NOT NULL,
    poster TEXT,
    pace TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'queued', 'skipped')),
    reason TEXT,
    plan_id BIGINT,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (message_id, group_id)
);
CREATE INDEX posting_queue_waiting ON posting_queue (status, group_id, id);

-- A forwarded item's union item id beside the source's reference key, so the per-group de-duplication shared with
-- plans and member replies knows it by either.
ALTER TABLE collect_deliveries ADD COLUMN item_id TEXT;

-- Whether a source group was a member group (enabled) when it became a source: `#取消采集源` enables it again.
ALTER TABLE collect_sources ADD COLUMN was_member BIGINT NOT NULL DEFAULT 0;

-- Every send of a mass post to a friend in private chat (a member who talks to the robot): one row per (post,
-- robot, friend, firing); as mass_deliveries otherwise.
CREATE TABLE mass_friend_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mass_post_id BIGINT NOT NULL REFERENCES mass_posts(id),
    robot_id BIGINT NOT NULL,
    wxid TEXT NOT NULL,
    fire_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'failed')),
    reason TEXT,
    outbox_key TEXT,
    promotion_url TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (mass_post_id, robot_id, wxid, fire_at)
);
CREATE INDEX mass_friend_deliveries_post ON mass_friend_deliveries (mass_post_id, id);
