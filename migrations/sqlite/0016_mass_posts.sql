-- Custom mass posts (自定义群发): the operator's message (text, an uploaded image, a product link converted per
-- group), its target groups and when it goes out, as one typed JSON document (posting::mass::MassPost).
-- partner_id: the partner whose user made it (NULL for an admin). Times in unix milliseconds.
CREATE TABLE mass_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    spec TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    partner_id BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every send of a mass post to a group: one row per (post, group, firing). fire_at in unix seconds (the firing's
-- scheduled time); status: queued (handed to the outbox under outbox_key) or failed (reason).
CREATE TABLE mass_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mass_post_id BIGINT NOT NULL REFERENCES mass_posts(id),
    group_id BIGINT NOT NULL REFERENCES groups(id),
    robot_id BIGINT NOT NULL,
    fire_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'failed')),
    reason TEXT,
    outbox_key TEXT,
    promotion_url TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (mass_post_id, group_id, fire_at)
);
CREATE INDEX mass_deliveries_post ON mass_deliveries (mass_post_id, id);
