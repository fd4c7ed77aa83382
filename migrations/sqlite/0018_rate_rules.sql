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
