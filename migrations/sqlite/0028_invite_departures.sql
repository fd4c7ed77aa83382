-- When an invited newcomer left the group (unix ms): left_at while they are away (a member sync that finds them
-- again clears it), first_left_at the first time ever (never cleared). A newcomer whose first leave came within
-- `[campaigns] invite_min_stay_hours` of their invitation never counts for their inviter.
ALTER TABLE invites ADD COLUMN left_at BIGINT;
ALTER TABLE invites ADD COLUMN first_left_at BIGINT;
