-- Marketing (SQLite): 免单 campaigns with their items, target groups and payouts; points exchanged for money;
-- reward codes; inviters paid at the invitee's first valid order. Money in 分, times in unix
-- milliseconds.

-- A free-order campaign. subsidy_kind: 'full' (the paid amount up to subsidy_fen) or 'fixed' (subsidy_fen).
-- spent_fen only grows through a conditional update, so it never passes budget_fen (the CHECK says so too).
CREATE TABLE free_campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    subsidy_kind TEXT NOT NULL,
    subsidy_fen BIGINT NOT NULL CHECK (subsidy_fen > 0),
    budget_fen BIGINT NOT NULL CHECK (budget_fen >= 0),
    spent_fen BIGINT NOT NULL DEFAULT 0 CHECK (spent_fen >= 0 AND spent_fen <= budget_fen),
    one_per_member BIGINT NOT NULL DEFAULT 1,
    one_per_item BIGINT NOT NULL DEFAULT 0,
    new_members_only BIGINT NOT NULL DEFAULT 0,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The campaign's items (from the selection library or hand-picked).
CREATE TABLE free_campaign_items (
    campaign_id BIGINT NOT NULL REFERENCES free_campaigns(id),
    platform TEXT NOT NULL,
    item_id TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    price_fen BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, platform, item_id)
);
CREATE INDEX free_campaign_items_item ON free_campaign_items (platform, item_id);

-- Target groups; a campaign without rows here runs in every group.
CREATE TABLE free_campaign_groups (
    campaign_id BIGINT NOT NULL REFERENCES free_campaigns(id),
    group_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, group_id)
);

-- One subsidy per order ever. member_slot / item_slot hold the member / item when the campaign limits them to one
-- (else the order id), so the unique keys enforce the limits under concurrency. status: paid or clawed_back.
CREATE TABLE free_campaign_payouts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES free_campaigns(id),
    order_id BIGINT NOT NULL UNIQUE,
    member_id BIGINT NOT NULL,
    item_id TEXT NOT NULL,
    conversion_id BIGINT NOT NULL,
    member_slot TEXT NOT NULL,
    item_slot TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (campaign_id, member_slot),
    UNIQUE (campaign_id, item_slot)
);
CREATE INDEX free_campaign_payouts_campaign ON free_campaign_payouts (campaign_id, id);

-- Points exchanged for rebate balance per member and local day; the daily cap is a conditional update here.
CREATE TABLE points_exchanges (
    member_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    points BIGINT NOT NULL CHECK (points >= 0),
    fen BIGINT NOT NULL CHECK (fen >= 0),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, day)
);

-- An inviter's reward for a newcomer, paid once ever per newcomer at the newcomer's first valid settled order:
-- points and/or money (its own ledger entry kind). status: paid or clawed_back (the order was refunded).
CREATE TABLE invite_rewards (
    invitee_id BIGINT PRIMARY KEY,
    inviter_id BIGINT NOT NULL,
    group_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL UNIQUE,
    points BIGINT NOT NULL,
    fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX invite_rewards_inviter ON invite_rewards (inviter_id, created_at);

-- Rewards members redeem with points (兑换 <奖品>): the operator uploads codes (coupon codes, card keys); each
-- code is handed out once, to one member, for one request (claim_key).
CREATE TABLE rewards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    points BIGINT NOT NULL CHECK (points > 0),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE reward_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reward_id BIGINT NOT NULL REFERENCES rewards(id),
    code TEXT NOT NULL,
    member_id BIGINT,
    claim_key TEXT UNIQUE,
    claimed_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (reward_id, code)
);
CREATE INDEX reward_codes_free ON reward_codes (reward_id, member_id, id);
