-- Chat features (SQLite): admins, auto-replies, Q&A, dialogs, points, check-ins, invites.

-- Operator admins besides the wxids in the configuration.
CREATE TABLE admins (
    wxid TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- Keyword auto-replies. group_id 0 = every group.
CREATE TABLE keyword_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL DEFAULT 0,
    match_kind TEXT NOT NULL,
    pattern TEXT NOT NULL,
    reply_kind TEXT NOT NULL,
    reply TEXT NOT NULL,
    priority BIGINT NOT NULL DEFAULT 0,
    hits BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (group_id, pattern)
);

-- Questions and answers matched by similarity. group_id 0 = every group.
CREATE TABLE faq_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL DEFAULT 0,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    hits BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (group_id, question)
);

-- A command waiting for a missing argument from one member in one conversation.
CREATE TABLE dialogs (
    robot_id BIGINT NOT NULL,
    conversation_id TEXT NOT NULL,
    member_wxid TEXT NOT NULL,
    command TEXT NOT NULL,
    args TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (robot_id, conversation_id, member_wxid)
);

-- Append-only points ledger; (kind, source) makes every award idempotent.
CREATE TABLE points_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id BIGINT NOT NULL REFERENCES members(id),
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    delta BIGINT NOT NULL,
    group_id BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, source)
);
CREATE INDEX points_ledger_member ON points_ledger (member_id, id);

-- Running balance per member, kept with the ledger in one transaction; never negative.
CREATE TABLE points_balances (
    member_id BIGINT PRIMARY KEY REFERENCES members(id),
    balance BIGINT NOT NULL CHECK (balance >= 0),
    updated_at BIGINT NOT NULL
);

-- One check-in per member per local calendar day (days since 1970-01-01).
CREATE TABLE checkins (
    member_id BIGINT NOT NULL REFERENCES members(id),
    day BIGINT NOT NULL,
    streak BIGINT NOT NULL,
    points BIGINT NOT NULL,
    group_id BIGINT,
    message_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, day)
);

-- Who brought whom into a group; the first inviter is kept, re-joins are counted.
CREATE TABLE invites (
    group_id BIGINT NOT NULL REFERENCES groups(id),
    invitee_id BIGINT NOT NULL REFERENCES members(id),
    inviter_id BIGINT REFERENCES members(id),
    joins BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, invitee_id)
);

CREATE INDEX conversions_member_time ON conversions (member_wxid, created_at);
