-- Rebate ledger (SQLite): rates, booked orders, entries, balances, withdrawals, finance log, daily rollup.
-- Commission rates: `share` is rebate (the member), partner (the group's partner) or agent (the partner's parent);
-- `scope` is member, group, partner or platform with its key as text. The most specific rule wins (member, group,
-- partner, platform), then the `[ledger]` default.
CREATE TABLE ledger_rate_rules (
    share TEXT NOT NULL,
    scope TEXT NOT NULL,
    scope_key TEXT NOT NULL,
    bps BIGINT NOT NULL CHECK (bps >= 0 AND bps <= 10000),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (share, scope, scope_key)
);

-- One row per order the ledger has booked: its money phase and the split frozen at the first booking
-- (the rates never change for a booked order; the amounts are corrected to the settled commission).
-- order_id is the order's row id; deliberately no foreign key.
CREATE TABLE ledger_orders (
    order_id BIGINT PRIMARY KEY,
    platform TEXT NOT NULL,
    order_key TEXT NOT NULL,
    phase TEXT NOT NULL,
    lifecycle TEXT NOT NULL,
    day BIGINT NOT NULL,
    paid_at BIGINT,
    group_id BIGINT,
    partner_id BIGINT,
    agent_id BIGINT,
    member_id BIGINT,
    paid_amount BIGINT NOT NULL,
    commission_estimated BIGINT NOT NULL,
    commission_settled BIGINT,
    rebate_bps BIGINT NOT NULL,
    partner_bps BIGINT NOT NULL,
    agent_bps BIGINT NOT NULL,
    rebate BIGINT NOT NULL,
    partner_share BIGINT NOT NULL,
    agent_share BIGINT NOT NULL,
    operator_share BIGINT NOT NULL,
    flagged BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ledger_orders_member ON ledger_orders (member_id, order_id);
CREATE INDEX ledger_orders_flagged ON ledger_orders (flagged, order_id);

-- Append-only entries. `entry_key` makes every booking idempotent: `o<order>:<transition>:<account>` or
-- `w<withdrawal>:<transition>`. Each entry moves money between the buckets of one account.
CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_key TEXT NOT NULL UNIQUE,
    account_kind TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    order_id BIGINT,
    withdrawal_id BIGINT,
    pending_delta BIGINT NOT NULL DEFAULT 0,
    available_delta BIGINT NOT NULL DEFAULT 0,
    withdrawing_delta BIGINT NOT NULL DEFAULT 0,
    debt_delta BIGINT NOT NULL DEFAULT 0,
    paid_out_delta BIGINT NOT NULL DEFAULT 0,
    flagged BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_kind, account_id, id);
CREATE INDEX ledger_entries_order ON ledger_entries (order_id);

-- Running balances, kept with the entries in one transaction. No bucket ever goes negative.
CREATE TABLE ledger_balances (
    account_kind TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    pending BIGINT NOT NULL DEFAULT 0 CHECK (pending >= 0),
    available BIGINT NOT NULL DEFAULT 0 CHECK (available >= 0),
    withdrawing BIGINT NOT NULL DEFAULT 0 CHECK (withdrawing >= 0),
    debt BIGINT NOT NULL DEFAULT 0 CHECK (debt >= 0),
    paid_out BIGINT NOT NULL DEFAULT 0 CHECK (paid_out >= 0),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_kind, account_id)
);

-- Withdrawal requests of members; at most one open request per member.
CREATE TABLE withdrawals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id BIGINT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX withdrawals_one_open ON withdrawals (member_id) WHERE status = 'open';
CREATE INDEX withdrawals_status ON withdrawals (status, id);

-- The finance log: every withdrawal request and decision, who and why. Append-only.
CREATE TABLE finance_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    withdrawal_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    amount BIGINT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX finance_log_member ON finance_log (member_id, id);

-- Daily money rollup, maintained by the ledger in the booking transaction. 0 = not attributed.
-- day = local calendar day of payment (days since 1970-01-01); withdrawals paid count on the day of approval
-- under platform '' and group 0.
CREATE TABLE money_daily (
    day BIGINT NOT NULL,
    platform TEXT NOT NULL,
    group_id BIGINT NOT NULL,
    partner_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    orders BIGINT NOT NULL DEFAULT 0,
    invalid_orders BIGINT NOT NULL DEFAULT 0,
    gmv BIGINT NOT NULL DEFAULT 0,
    commission_estimated BIGINT NOT NULL DEFAULT 0,
    commission_settled BIGINT NOT NULL DEFAULT 0,
    rebate_estimated BIGINT NOT NULL DEFAULT 0,
    rebate_settled BIGINT NOT NULL DEFAULT 0,
    rebate_paid BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, platform, group_id, partner_id, member_id)
);
CREATE INDEX money_daily_group ON money_daily (group_id, day);
CREATE INDEX money_daily_partner ON money_daily (partner_id, day);
CREATE INDEX money_daily_member ON money_daily (member_id, day);
