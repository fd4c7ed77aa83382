//! The rebate ledger: turns order status reports ([`OrderFacts`]) into money for the member (rebate), the group's
//! partner, the partner's agent and the operator, in integer 分.
//!
//! - Paid: the estimated shares become *pending*.
//! - Settled: pending is released and the shares of the *settled* commission become *available*.
//! - Invalid before settlement: pending is reversed. Invalid after settlement: the available shares are clawed back
//!   (what is not available any more becomes debt, repaid from later credits) and the order is flagged.
//! - Reports are applied once: a repeat or a report that would move an order backwards changes nothing.
//!
//! The split and its rounding rule are in [`rules`]; all SQL is in `store::ledger`.

pub mod month;
pub mod rules;
pub mod statement;
pub mod text;

use crate::config::LedgerSettings;
use crate::money::Bps;
use crate::money::Fen;
use crate::notices::MemberNotice;
use crate::order::OrderFacts;
use crate::store::invite_rewards::InviteReward;
use crate::store::ledger::AccountKind;
use crate::store::ledger::{Booked, BookingConfig, LedgerOrder};
use crate::store::rate_rules::{AppliedRules, NewRateRule, RateRule};
use crate::store::withdrawals::{Payment, Withdrawal, WithdrawalRequest};
use crate::store::{Store, StoreError};
use rules::{Rates, Split, Step};

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What applying one report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub order_id: i64,
    /// The step taken; `None` when nothing changed.
    pub step: Option<Step>,
    /// The order's current split (of the settled commission once settled); zero when never booked.
    pub split: Split,
}

impl Applied {
    pub fn changed(&self) -> bool {
        self.step.is_some()
    }
}

/// The ledger service.
#[derive(Debug, Clone)]
pub struct Ledger {
    store: Store,
    settings: LedgerSettings,
    utc_offset_hours: i64,
    /// What an inviter gets when a newcomer's first order settles (none unless set).
    invite_reward: InviteReward,
}

impl Ledger {
    /// A ledger with the default `[ledger]` settings and UTC+8 days.
    pub fn new(store: Store) -> Ledger {
        Ledger::with_settings(store, LedgerSettings::default(), 8)
    }

    /// A ledger with these settings; days (for statistics) are counted at UTC+`utc_offset_hours`.
    pub fn with_settings(store: Store, settings: LedgerSettings, utc_offset_hours: i64) -> Ledger {
        Ledger { store, settings, utc_offset_hours, invite_reward: InviteReward::default() }
    }

    /// This ledger, rewarding inviters with `reward` when a newcomer's first order settles.
    pub fn with_invite_reward(mut self, reward: InviteReward) -> Ledger {
        self.invite_reward = reward;
        self
    }

    pub fn invite_reward(&self) -> InviteReward {
        self.invite_reward
    }

    pub fn settings(&self) -> &LedgerSettings {
        &self.settings
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn booking_config(&self) -> BookingConfig {
        BookingConfig {
            defaults: Rates {
                rebate: Bps(self.settings.rebate_bps),
                partner: Bps(self.settings.partner_bps),
                agent: Bps(self.settings.agent_bps),
                agent2: Bps(0),
            },
            utc_offset_hours: self.utc_offset_hours,
        }
    }

    /// The split an order with these facts would get if it were paid now: what members are shown as 预估返利. The
    /// same plan and rounding as the booking, so the figure a member is shown is the one booked.
    pub async fn preview(&self, facts: &OrderFacts) -> Result<Split, LedgerError> {
        Ok(self.store.preview_split(facts, self.booking_config().defaults).await?)
    }

    /// The `[ledger]` default rates, used where no rate rule applies.
    pub fn default_rates(&self) -> Rates {
        self.booking_config().defaults
    }

    /// The split, rates and rules an order with these facts would be booked with at `at` (unix ms): the
    /// 分佣设置 preview, computed by the booking's own plan.
    pub async fn preview_at(&self, facts: &OrderFacts, at: i64) -> Result<(Split, Rates, AppliedRules), LedgerError> {
        Ok(self.store.preview_booking(facts, self.default_rates(), at).await?)
    }

    /// Adds a rate rule version (see [`Store::create_rate_rule`]).
    pub async fn create_rate_rule(&self, rule: &NewRateRule, actor: &str) -> Result<RateRule, LedgerError> {
        Ok(self.store.create_rate_rule(rule, self.default_rates(), actor, crate::store::now_ms()).await?)
    }

    /// Applies one order status report.
    #[tracing::instrument(skip_all, fields(order_id = facts.order_id, lifecycle = %facts.lifecycle))]
    pub async fn apply(&self, facts: &OrderFacts) -> Result<Applied, LedgerError> {
        let mut out = self.apply_all(std::slice::from_ref(facts)).await?;
        out.pop().ok_or_else(|| LedgerError::Store(StoreError::Batch("no result for the report".into())))
    }

    /// Applies reports in order in one transaction (a page of synced orders); one result per report. Members
    /// are then told about their paid, settled and invalid orders when `member_notices` is on.
    pub async fn apply_all(&self, facts: &[OrderFacts]) -> Result<Vec<Applied>, LedgerError> {
        let now = crate::store::now_ms();
        let booked = self.store.book_orders(facts, self.booking_config(), now).await?;
        if self.settings.member_notices {
            self.notify(&booked, now).await?;
        }
        Ok(facts
            .iter()
            .zip(booked)
            .map(|(f, b)| Applied {
                order_id: f.order_id,
                step: b.step,
                split: b.order.map(|o: LedgerOrder| o.split).unwrap_or_default(),
            })
            .collect())
    }

    async fn notify(&self, booked: &[Booked], now: i64) -> Result<(), LedgerError> {
        let mut sends = Vec::new();
        for b in booked {
            let (Some(step), Some(order)) = (b.step, &b.order) else { continue };
            let Some(member) = order.holders.member else { continue };
            let notice = MemberNotice::Order { step, order };
            if notice.text().is_none() {
                continue;
            }
            match self.store.notice_target(order.group_id, member).await? {
                Some(to) => sends.extend(notice.send(&to)),
                None => tracing::warn!(order_id = order.order_id, member, "member unreachable: order notice not sent"),
            }
        }
        if !sends.is_empty() {
            self.store.enqueue(&sends, now).await?;
        }
        Ok(())
    }

    /// A member asks to withdraw `amount` from their available balance.
    pub async fn request_withdrawal(&self, member_id: i64, amount: Fen) -> Result<WithdrawalRequest, LedgerError> {
        self.request_account_withdrawal((AccountKind::Member, member_id), amount).await
    }

    /// A person asks to withdraw `amount` in chat: a member from their rebate; a partner (who is also a member)
    /// from the first of their partner share, agent share and rebate whose available balance covers it. When
    /// none does, nothing is requested and the largest available balance is reported. Returns the account asked.
    pub async fn request_holder_withdrawal(
        &self,
        member_id: i64,
        partner_id: Option<i64>,
        amount: Fen,
    ) -> Result<(AccountKind, WithdrawalRequest), LedgerError> {
        let mut accounts = Vec::new();
        if let Some(p) = partner_id {
            accounts.extend([(AccountKind::Partner, p), (AccountKind::Agent, p)]);
        }
        accounts.push((AccountKind::Member, member_id));
        let mut best = (accounts[0], 0);
        for account in &accounts {
            let available = self.store.ledger_balance(account.0, account.1).await?.available;
            if available >= amount.0 {
                return Ok((account.0, self.request_account_withdrawal(*account, amount).await?));
            }
            if available > best.1 {
                best = (*account, available);
            }
        }
        // Nothing covers it: the limits first, then the shortfall of the fullest account.
        Ok((best.0.0, self.request_account_withdrawal(best.0, amount).await?))
    }

    /// The holder of an account (member, partner or agent) asks to withdraw `amount` from its available balance,
    /// within the configured limits, one open request per account.
    #[tracing::instrument(skip(self))]
    pub async fn request_account_withdrawal(
        &self,
        account: (AccountKind, i64),
        amount: Fen,
    ) -> Result<WithdrawalRequest, LedgerError> {
        let (min, max) = (Fen(self.settings.min_withdrawal_fen), Fen(self.settings.max_withdrawal_fen));
        if amount < min {
            return Ok(WithdrawalRequest::BelowMinimum { min });
        }
        if amount > max {
            return Ok(WithdrawalRequest::AboveMaximum { max });
        }
        Ok(self.store.request_withdrawal(account, amount, crate::store::now_ms()).await?)
    }

    /// An admin approves (to be paid) or rejects (with a reason, the money back to available) a request; the
    /// requester is told. `NotFound` when the request is not open (approve) or already paid or rejected (reject).
    #[tracing::instrument(skip(self, reason))]
    pub async fn decide_withdrawal(
        &self,
        id: i64,
        approve: bool,
        actor: &str,
        reason: &str,
    ) -> Result<Withdrawal, LedgerError> {
        let now = crate::store::now_ms();
        let w = if approve {
            self.store.approve_withdrawal(id, actor, now).await?
        } else {
            self.store.reject_withdrawal(id, actor, reason, now).await?
        };
        self.tell(&w, now).await?;
        Ok(w)
    }

    /// Records how an approved request was paid: only then is it paid (withdrawing → paid out); the requester is
    /// told.
    #[tracing::instrument(skip(self, payment))]
    pub async fn record_payment(&self, id: i64, payment: &Payment<'_>, actor: &str) -> Result<Withdrawal, LedgerError> {
        let now = crate::store::now_ms();
        let day = rules::local_day(now.div_euclid(1000), self.utc_offset_hours);
        let w = self.store.record_payment(id, payment, actor, day, now).await?;
        self.tell(&w, now).await?;
        Ok(w)
    }

    /// Tells the requester about a decision or payment, through the outbox.
    async fn tell(&self, w: &Withdrawal, now: i64) -> Result<(), LedgerError> {
        match self.store.account_notice_target((w.account_kind, w.account_id)).await? {
            Some(to) => {
                let sends: Vec<_> = MemberNotice::Withdrawal(w).send(&to).into_iter().collect();
                self.store.enqueue(&sends, now).await?;
            }
            None => tracing::warn!(withdrawal = w.id, account = w.account_id, "requester unreachable: notice not sent"),
        };
        Ok(())
    }

    /// The member's balances and latest `limit` orders.
    pub async fn statement(&self, member_id: i64, limit: i64) -> Result<statement::Statement, LedgerError> {
        let balance = self.store.ledger_balance(AccountKind::Member, member_id).await?;
        let orders = self.store.member_ledger_orders(member_id, limit).await?;
        let lines = orders.iter().map(|o| statement::StatementLine::of(o, self.utc_offset_hours)).collect();
        Ok(statement::Statement { balance, lines })
    }
}
