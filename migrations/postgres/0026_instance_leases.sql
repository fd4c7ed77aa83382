-- Several instances on one database. A send or an inbound message being worked on is claimed by one instance
-- (claimed_by: its instance id) until lease_until (unix ms), renewed while it works; start-up recovery and the
-- survivors take back only rows whose lease expired.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE inbound ADD COLUMN claimed_by TEXT;
ALTER TABLE inbound ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;

-- One sender per robot at a time, whichever instance: holder has the robot until lease_until; next_send_at is the
-- time before which the robot's next send may not start (its minimum gap, across instances).
CREATE TABLE outbox_robots (
    robot_id BIGINT PRIMARY KEY,
    holder TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    next_send_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Retention prunes sent rows by age.
CREATE INDEX outbox_sent_at ON outbox (status, sent_at);
-- /metrics reads the queue depth from a gauge refreshed now and then; the count walks only the queued rows.
CREATE INDEX outbox_queued ON outbox (id) WHERE status = 'queued';

-- The reply budget of a conversation (robot:conversation): the times (unix ms, comma-separated) of the replies of
-- the last minute, shared by every instance. version makes each update conditional on what was read.
CREATE TABLE reply_budgets (
    budget_key TEXT PRIMARY KEY,
    sends TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A row goes out only when no earlier row of its conversation is still open (the parts of a reply keep their order).
CREATE INDEX outbox_open_by_conversation ON outbox (robot_id, conversation_id, id) WHERE status IN ('queued', 'sending');

-- When a send of the row timed out (the gateway may still deliver it): the row waits for the gateway's echo of it
-- before it is sent again.
ALTER TABLE outbox ADD COLUMN unconfirmed_at BIGINT;
-- The echoes of our own sends (recorded as skipped) that arrived while a send was in flight.
CREATE INDEX inbound_skipped_by_conversation ON inbound (robot_id, conversation_id, created_at) WHERE status = 'skipped';
