-- Robot lifecycle (issue 17): each robot's account state as last learned from the gateway (online, offline,
-- needs_login, limited), why and when it changed, and the times of its last message in and out (unix ms).
ALTER TABLE robots ADD COLUMN state TEXT NOT NULL DEFAULT 'online';
ALTER TABLE robots ADD COLUMN state_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE robots ADD COLUMN state_changed_at BIGINT;
ALTER TABLE robots ADD COLUMN last_in_at BIGINT;
ALTER TABLE robots ADD COLUMN last_out_at BIGINT;

-- Groups synced from the gateway's contacts: member count and when the group was last synced.
ALTER TABLE groups ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN synced_at BIGINT;

-- A member's name inside one group (群昵称, else the WeChat nickname), as the gateway's member list reports it.
ALTER TABLE group_members ADD COLUMN display_name TEXT NOT NULL DEFAULT '';

-- What happened to a robot's account (went offline, back online, sends moved), shown on the 机器人 page.
CREATE TABLE robot_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    robot_id BIGINT NOT NULL REFERENCES robots(id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX robot_events_time ON robot_events (created_at, id);
