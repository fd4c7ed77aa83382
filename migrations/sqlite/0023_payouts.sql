-- Payouts (SQLite): withdrawals of any ledger account (member, partner, agent), approved in batches and paid only
-- when their payment (transfer reference and method) is recorded.
-- status: open → approved → paid, or open/approved → rejected. Requests approved before this migration had their
-- money moved to paid_out at approval: they become 'paid'.
-- The finance log (the withdrawals' audit trail) names the account the same way.
CREATE TABLE withdrawals_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_kind TEXT NOT NULL CHECK (account_kind IN ('member', 'partner', 'agent')),
    account_id BIGINT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('open', 'approved', 'paid', 'rejected')),
    reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT,
    decided_at BIGINT,
    payment_method TEXT,
    payment_ref TEXT,
    paid_by TEXT,
    paid_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO withdrawals_new (id, account_kind, account_id, amount, status, reason, decided_by, decided_at, paid_by,
    paid_at, created_at, updated_at)
SELECT id, 'member', member_id, amount, CASE status WHEN 'approved' THEN 'paid' ELSE status END, reason, decided_by,
    decided_at, CASE status WHEN 'approved' THEN decided_by END, CASE status WHEN 'approved' THEN decided_at END,
    created_at, updated_at
FROM withdrawals;
DROP TABLE withdrawals;
ALTER TABLE withdrawals_new RENAME TO withdrawals;
CREATE UNIQUE INDEX withdrawals_one_open ON withdrawals (account_kind, account_id) WHERE status = 'open';
CREATE INDEX withdrawals_status ON withdrawals (status, id);
CREATE INDEX withdrawals_account ON withdrawals (account_kind, account_id, id);

CREATE TABLE finance_log_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    withdrawal_id BIGINT NOT NULL,
    account_kind TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    amount BIGINT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
INSERT INTO finance_log_new (id, withdrawal_id, account_kind, account_id, action, amount, actor, reason, created_at)
SELECT id, withdrawal_id, 'member', member_id, action, amount, actor, reason, created_at FROM finance_log;
DROP TABLE finance_log;
ALTER TABLE finance_log_new RENAME TO finance_log;
CREATE INDEX finance_log_account ON finance_log (account_kind, account_id, id);

-- The finance log's filters on the ledger's entries: by kind and time.
CREATE INDEX ledger_entries_created ON ledger_entries (created_at, id);
