-- Payouts (PostgreSQL): withdrawals of any ledger account (member, partner, agent), approved in batches and paid
-- only when their payment (transfer reference and method) is recorded.
-- status: open → approved → paid, or open/approved → rejected. Requests approved before this migration had their
-- money moved to paid_out at approval: they become 'paid'.
-- The finance log (the withdrawals' audit trail) names the account the same way.
ALTER TABLE withdrawals ADD COLUMN account_kind TEXT NOT NULL DEFAULT 'member'
    CHECK (account_kind IN ('member', 'partner', 'agent'));
ALTER TABLE withdrawals ADD COLUMN account_id BIGINT;
ALTER TABLE withdrawals ADD COLUMN payment_method TEXT;
ALTER TABLE withdrawals ADD COLUMN payment_ref TEXT;
ALTER TABLE withdrawals ADD COLUMN paid_by TEXT;
ALTER TABLE withdrawals ADD COLUMN paid_at BIGINT;
UPDATE withdrawals SET account_id = member_id;
UPDATE withdrawals SET status = 'paid', paid_by = decided_by, paid_at = decided_at WHERE status = 'approved';
ALTER TABLE withdrawals ALTER COLUMN account_id SET NOT NULL;
ALTER TABLE withdrawals ALTER COLUMN account_kind DROP DEFAULT;
DROP INDEX withdrawals_one_open;
ALTER TABLE withdrawals DROP COLUMN member_id;
ALTER TABLE withdrawals ADD CONSTRAINT withdrawals_status_known
    CHECK (status IN ('open', 'approved', 'paid', 'rejected'));
CREATE UNIQUE INDEX withdrawals_one_open ON withdrawals (account_kind, account_id) WHERE status = 'open';
CREATE INDEX withdrawals_account ON withdrawals (account_kind, account_id, id);

ALTER TABLE finance_log ADD COLUMN account_kind TEXT NOT NULL DEFAULT 'member';
ALTER TABLE finance_log ADD COLUMN account_id BIGINT;
UPDATE finance_log SET account_id = member_id;
ALTER TABLE finance_log ALTER COLUMN account_id SET NOT NULL;
ALTER TABLE finance_log ALTER COLUMN account_kind DROP DEFAULT;
DROP INDEX finance_log_member;
ALTER TABLE finance_log DROP COLUMN member_id;
CREATE INDEX finance_log_account ON finance_log (account_kind, account_id, id);

-- The finance log's filters on the ledger's entries: by kind and time.
CREATE INDEX ledger_entries_created ON ledger_entries (created_at, id);
