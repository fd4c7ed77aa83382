-- 代理设置: agent levels with the agent's share of its members' orders (share_bps), the second-level share it earns
-- on the orders of the members of agents it invited (second_bps), and what it takes to hold the level over the
-- last 30 days (min_invited members, min_orders, min_commission in 分; 0: no condition). The daily review puts
-- every agent at the highest tier whose conditions it meets; the lowest tier is the floor.
CREATE TABLE agent_levels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    tier BIGINT NOT NULL UNIQUE,
    share_bps BIGINT NOT NULL CHECK (share_bps >= 0 AND share_bps <= 10000),
    second_bps BIGINT NOT NULL CHECK (second_bps >= 0 AND second_bps <= 10000),
    min_invited BIGINT NOT NULL DEFAULT 0 CHECK (min_invited >= 0),
    min_orders BIGINT NOT NULL DEFAULT 0 CHECK (min_orders >= 0),
    min_commission BIGINT NOT NULL DEFAULT 0 CHECK (min_commission >= 0),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO agent_levels (name, tier, share_bps, second_bps, min_invited, min_orders, min_commission, created_at,
    updated_at) VALUES
    ('普通代理', 1, 500, 200, 0, 0, 0, 0, 0),
    ('高级代理', 2, 800, 300, 10, 30, 0, 0, 0),
    ('合伙人', 3, 1000, 500, 50, 200, 100000, 0, 0);

-- Agents: approved applicants. partner_id is the partner record holding their PIDs and money (account 'agent' for
-- the agent shares); invite_code is what members type (邀请码 XXXX) to join the agent's tree.
CREATE TABLE agents (
    partner_id BIGINT PRIMARY KEY REFERENCES partners(id),
    member_id BIGINT NOT NULL UNIQUE REFERENCES members(id),
    level_id BIGINT NOT NULL REFERENCES agent_levels(id),
    invite_code TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO agents (partner_id, member_id, level_id, invite_code, created_at, updated_at)
    SELECT a.partner_id, a.member_id,
           COALESCE((SELECT l.id FROM agent_levels l WHERE l.name = a.level), (SELECT MIN(id) FROM agent_levels)),
           a.invite_code, a.decided_at, a.decided_at
    FROM agent_applications a
    WHERE a.status = 'approved' AND a.partner_id IS NOT NULL AND a.invite_code IS NOT NULL;

-- Every level an agent held, from when (unix ms): the approval (from_level NULL), the daily review's upgrades and
-- downgrades, an admin's change. The level in force when an order is first booked sets its shares.
CREATE TABLE agent_level_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id BIGINT NOT NULL REFERENCES agents(partner_id),
    from_level BIGINT REFERENCES agent_levels(id),
    to_level BIGINT NOT NULL REFERENCES agent_levels(id),
    reason TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX agent_level_changes_agent ON agent_level_changes (partner_id, changed_at);
INSERT INTO agent_level_changes (partner_id, from_level, to_level, reason, changed_at, created_at)
    SELECT partner_id, NULL, level_id, '审核通过', created_at, created_at FROM agents;

-- The daily reviews done (local day), so one instance reviews each day once.
CREATE TABLE agent_level_reviews (
    day BIGINT PRIMARY KEY,
    agents BIGINT NOT NULL DEFAULT 0,
    changes BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- The invite tree: a member belongs to at most one agent's tree, the first valid invite winning. via: 'code'
-- (邀请码 typed in chat) or 'group' (joined a group whose partner is the agent).
CREATE TABLE agent_members (
    member_id BIGINT PRIMARY KEY REFERENCES members(id),
    agent_id BIGINT NOT NULL REFERENCES agents(partner_id),
    via TEXT NOT NULL CHECK (via IN ('code', 'group')),
    created_at BIGINT NOT NULL
);
CREATE INDEX agent_members_agent ON agent_members (agent_id, created_at);

-- The second-level agent of an order (the agent's own inviter) with its frozen rate, share and rule.
ALTER TABLE ledger_orders ADD COLUMN agent2_id BIGINT;
ALTER TABLE ledger_orders ADD COLUMN agent2_bps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ledger_orders ADD COLUMN agent2_share BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ledger_orders ADD COLUMN agent2_rule_id BIGINT;
CREATE INDEX ledger_orders_agent ON ledger_orders (agent_id, created_at);
