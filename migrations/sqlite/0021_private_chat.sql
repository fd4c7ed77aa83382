-- Customer-service hand-over (客服): a member's private chat handed to the operator's admins, either because the
-- member asked (人工) or because the robot found no answer twice in a day. At most one open conversation per robot
-- and member; reason: 'asked' or 'unanswered'. Times in unix milliseconds.
CREATE TABLE service_conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    robot_id BIGINT NOT NULL,
    member_wxid TEXT NOT NULL,
    member_id BIGINT REFERENCES members(id),
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    reason TEXT NOT NULL CHECK (reason IN ('asked', 'unanswered')),
    closed_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX service_conversations_open ON service_conversations (robot_id, member_wxid) WHERE status = 'open';

-- The messages of a hand-over: 'in' from the member (source_key: the inbound dedupe key, so a redelivered message
-- is kept once), 'out' typed by an admin (sent_by: the admin's user name; source_key: the outbox key).
CREATE TABLE service_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL REFERENCES service_conversations(id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    body TEXT NOT NULL,
    sent_by TEXT,
    source_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX service_messages_conversation ON service_messages (conversation_id, id);

-- Private messages the robot had no answer for, per robot, member and local day (the second one hands over).
-- last_key: the inbound dedupe key counted last, so a redelivered message is not counted twice.
CREATE TABLE private_chat_misses (
    robot_id BIGINT NOT NULL,
    member_wxid TEXT NOT NULL,
    day BIGINT NOT NULL,
    misses BIGINT NOT NULL,
    last_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (robot_id, member_wxid, day)
);
