-- Versioned rate rules (SQLite), replacing ledger_rate_rules. `share` is rebate (the member), partner or agent;
-- `scope` is member, group, partner, platform or global ('' key), the most specific in force winning. A rule is in
-- force from `effective_from` until `ended_at` (unix ms; NULL: open). Changing a rule ends the version in force
-- and adds a new one, so what applied to an order stays on record.
CREATE TABLE rate_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    share TEXT NOT NULL,
    scope TEXT NOT NULL,
    scope_key TEXT NOT NULL,
    bps BIGINT NOT NULL CHECK (bps >= 0 AND bps <= 10000),
    effective_from BIGINT NOT NULL,
    ended_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX rate_rules_scope ON rate_rules (scope, scope_key, share);

INSERT INTO rate_rules (share, scope, scope_key, bps, effective_from, created_by, created_at)
    SELECT share, scope, scope_key, bps, 0, 'migration', updated_at FROM ledger_rate_rules;
DROP TABLE ledger_rate_rules;

-- The rules an order was booked with (frozen at its first booking); NULL: the `[ledger]` default.
ALTER TABLE ledger_orders ADD COLUMN rebate_rule_id BIGINT;
ALTER TABLE ledger_orders ADD COLUMN partner_rule_id BIGINT;
ALTER TABLE ledger_orders ADD COLUMN agent_rule_id BIGINT;

-- Agent applications (申请代理 → 代理审核): at most one open per member. Approval makes the member a partner
-- (partner_id) at a level, with an invite code; a rejection carries the reason sent to the applicant.
CREATE TABLE agent_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    level TEXT,
    partner_id BIGINT,
    invite_code TEXT,
    decision_reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX agent_applications_one_open ON agent_applications (member_id) WHERE status = 'open';
CREATE UNIQUE INDEX agent_applications_invite_code ON agent_applications (invite_code);
CREATE INDEX agent_applications_status ON agent_applications (status, id);
