//! Custom mass posts (自定义群发): a message the operator writes (text, an uploaded image, a product link) sent to
//! chosen groups and friends (members who talk to a robot in private chat) now, once at a set time, or every day
//! at a set time. Each firing goes through the same engine as plans: a product link is converted per recipient
//! (a group's PID and attribution tag; a friend's own member tag) and drawn as a poster, everything is queued
//! through the durable outbox (pacing, per-conversation gaps), and held back to the end of the do-not-disturb hours
//! (the group's, or the global ones in private chat). Every send is a delivery row.
//!
//! Crash safety: the outbox keys are per (post, recipient, firing), so a run repeated after a crash queues nothing
//! twice.

use super::text;
use crate::chat::OutboundBody;
use crate::engine::group_settings::GroupSettings;
use crate::engine::handlers::product_link::{attribution_for, pid_for};
use crate::engine::{Context, Engine, EngineError};
use crate::links::{self, ProductRef};
use crate::outbox;
use crate::store::groups::Group;
use crate::store::mass::{MassTarget, NewMassDelivery, StoredMassPost};
use serde::{Deserialize, Serialize};

/// A daily firing is still served this long after its time (seconds); older ones are let go.
const FIRE_GRACE_SECS: i64 = 600;
/// The longest text of a mass post, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// The most recipients (groups and friends) one mass post goes to.
pub const MAX_GROUPS: usize = 500;
/// The longest wxid of a friend.
const MAX_WXID_CHARS: usize = 64;

/// A friend in private chat: a member who talks to the robot `robot_id` one to one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Friend {
    pub robot_id: i64,
    pub wxid: String,
}

/// When a mass post goes out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum When {
    /// Once, at this unix second (the time it was made, for 立即发送).
    Once { at: i64 },
    /// Every day at this minute of the day, local time (`chat.utc_offset_hours`), from `from` (unix seconds) on.
    Daily { minute_of_day: u32, from: i64 },
}

impl When {
    /// The firing a run at `now` (unix seconds) serves, if any.
    pub fn due(&self, now: i64, utc_offset_hours: i64) -> Option<i64> {
        match *self {
            When::Once { at } => (at <= now).then_some(at),
            When::Daily { minute_of_day, from } => {
                let offset = utc_offset_hours * 3600;
                let local = now + offset;
                let today = local.div_euclid(86_400) * 86_400 - offset;
                let mut fire = today + i64::from(minute_of_day) * 60;
                if fire > now {
                    fire -= 86_400;
                }
                (fire >= from && now - fire <= FIRE_GRACE_SECS).then_some(fire)
            }
        }
    }
}

/// A mass post as the operator wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MassPost {
    /// The operator's text (may be empty when there is an image or a link).
    #[serde(default)]
    pub text: String,
    /// A product link (or any text holding one), converted for each group.
    #[serde(default)]
    pub link: Option<String>,
    /// An uploaded image (media id), sent as is.
    #[serde(default)]
    pub image_media_id: Option<String>,
    pub groups: Vec<i64>,
    /// Friends in private chat.
    #[serde(default)]
    pub friends: Vec<Friend>,
    pub when: When,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MassError {
    #[error("{}", text::MASS_EMPTY)]
    Empty,
    #[error("{}", text::mass_text_too_long())]
    TextTooLong,
    #[error("{}", text::MASS_NO_PRODUCT)]
    NoProduct,
    #[error("{}", text::mass_groups())]
    Groups,
    #[error("{}", text::MASS_TIME)]
    Time,
}

impl MassPost {
    pub fn validate(&self) -> Result<(), MassError> {
        let link = self.link.as_deref().map(str::trim).filter(|l| !l.is_empty());
        if self.text.trim().is_empty() && link.is_none() && self.image_media_id.is_none() {
            return Err(MassError::Empty);
        }
        if self.text.chars().count() > MAX_TEXT_CHARS {
            return Err(MassError::TextTooLong);
        }
        if let Some(l) = link
            && links::recognize(l).is_empty()
        {
            return Err(MassError::NoProduct);
        }
        let mut ids = self.groups.clone();
        ids.sort_unstable();
        ids.dedup();
        let mut friends = self.friends.clone();
        friends.sort();
        friends.dedup();
        let count = ids.len() + friends.len();
        if count == 0 || ids.len() != self.groups.len() || friends.len() != self.friends.len() || count > MAX_GROUPS {
            return Err(MassError::Groups);
        }
        let bad_wxid = |w: &str| w.trim().is_empty() || w.chars().count() > MAX_WXID_CHARS || w.ends_with("@chatroom");
        if friends.iter().any(|f| bad_wxid(&f.wxid)) {
            return Err(MassError::Groups);
        }
        if let When::Daily { minute_of_day, .. } = self.when
            && minute_of_day >= 24 * 60
        {
            return Err(MassError::Time);
        }
        Ok(())
    }

    fn product(&self) -> Option<ProductRef> {
        let link = self.link.as_deref().map(str::trim).filter(|l| !l.is_empty())?;
        links::recognize(link).into_iter().next()
    }
}

/// What one group gets from a mass post, in order; `promotion_url` is the group's own link when there is a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rendered {
    pub bodies: Vec<OutboundBody>,
    pub promotion_url: Option<String>,
    /// Why the product part is missing (no PID, the union refused), when it is.
    pub error: Option<String>,
}

/// Who gets a mass post.
#[derive(Debug, Clone, Copy)]
pub enum Recipient<'a> {
    Group(&'a Group),
    /// A friend in private chat, with their member id when they are a member.
    Friend {
        friend: &'a Friend,
        member_id: Option<i64>,
    },
}

/// The messages `to` gets from `post` at `now_ms`: the uploaded image, the product's poster (converted with the
/// group's PID and attribution tag, or for a friend with the robot's PID and the member's own tag), and one text:
/// the operator's text followed by the product's copy. The preview shows exactly this.
pub async fn render(engine: &Engine, post: &MassPost, to: Recipient<'_>, now_ms: i64) -> Result<Rendered, EngineError> {
    let mut bodies = Vec::new();
    if let Some(id) = &post.image_media_id {
        let base = engine.settings.server.public_base_url.trim_end_matches('/');
        bodies.push(OutboundBody::Image { url: format!("{base}/media/{id}.jpg") });
    }
    let mut content = post.text.trim().to_string();
    let mut promotion_url = None;
    let mut error = None;
    if let Some(reference) = post.product() {
        let robot_id = match to {
            Recipient::Group(g) => g.robot_id,
            Recipient::Friend { friend, .. } => friend.robot_id,
        };
        match engine.robots.get(&robot_id) {
            None => error = Some(text::ROBOT_OFFLINE.to_string()),
            Some(robot) => {
                let (group, member_id, settings) = match to {
                    Recipient::Group(g) => (Some(g.clone()), None, GroupSettings::parse(&g.settings)),
                    Recipient::Friend { member_id, .. } => (None, member_id, GroupSettings::default()),
                };
                let cx = Context { engine, robot, group, member_id, settings, now_ms };
                match pid_for(&cx, reference.platform).await? {
                    None => error = Some(crate::affiliate::text::no_pid(reference.platform)),
                    Some(pid) => {
                        let (attr, _tag) = attribution_for(&cx, &reference, pid).await?;
                        match engine.affiliates.convert(&reference, &attr).await {
                            Err(e) => error = Some(e.to_string()),
                            Ok(conversion) => {
                                let (poster, copy) = super::content::group_post(&cx, &conversion).await?;
                                if let Some(url) = poster {
                                    bodies.push(OutboundBody::Image { url });
                                }
                                if !content.is_empty() {
                                    content.push('\n');
                                }
                                content.push_str(&copy);
                                promotion_url = Some(conversion.promotion.best_url().to_string());
                            }
                        }
                    }
                }
            }
        }
    }
    if !content.is_empty() {
        bodies.push(OutboundBody::Text { content, ats: Vec::new() });
    }
    Ok(Rendered { bodies, promotion_url, error })
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MassReport {
    pub queued: usize,
    pub failed: usize,
}

/// Queues one recipient's sends (`bodies` into `conversation`), keyed `key:n` (a key queued before is ignored).
async fn enqueue(
    engine: &Engine,
    robot_id: i64,
    conversation: &str,
    key: &str,
    bodies: Vec<OutboundBody>,
    not_before: i64,
    now_ms: i64,
) -> Result<(), EngineError> {
    let sends = outbox::enqueue_parts(robot_id, conversation, key, bodies, not_before);
    engine.store.enqueue(&sends, now_ms).await?;
    if let Some(wake) = engine.outbox_wake.get(&robot_id) {
        wake.notify_one();
    }
    Ok(())
}

/// When a send held by do-not-disturb hours `settings` (a group's, or the defaults: the global hours) may go.
fn after_dnd(engine: &Engine, settings: &GroupSettings, now_ms: i64) -> i64 {
    let chat = &engine.settings.chat;
    settings.dnd(chat).and_then(|d| d.hours.quiet_until(now_ms, chat.utc_offset_hours)).unwrap_or(now_ms)
}

/// Sends the firing `fire_at` (unix seconds) of `post` to every target group and friend that has not had it.
pub async fn fire(
    engine: &Engine,
    post: &StoredMassPost,
    fire_at: i64,
    now_ms: i64,
    report: &mut MassReport,
) -> Result<(), EngineError> {
    let store = &engine.store;
    for gid in &post.post.groups {
        let Some(group) = store.group_by_id(*gid).await? else { continue };
        if !group.enabled {
            continue;
        }
        let Some(robot) = engine.robots.get(&group.robot_id) else { continue };
        let target = MassTarget::Group { group_id: group.id, robot_id: robot.id };
        if store.mass_fired(post.id, &target, fire_at).await? {
            continue;
        }
        let rendered = render(engine, &post.post, Recipient::Group(&group), now_ms).await?;
        if let Some(reason) = &rendered.error {
            // The product part is the point of a post with a link: without it nothing goes out.
            store.record_mass_delivery(&NewMassDelivery::failed(post.id, target, fire_at, reason), now_ms).await?;
            report.failed += 1;
            continue;
        }
        let not_before = after_dnd(engine, &GroupSettings::parse(&group.settings), now_ms);
        let key = format!("mass:{}:{}:{fire_at}", post.id, group.id);
        enqueue(engine, robot.id, &group.room_id, &key, rendered.bodies, not_before, now_ms).await?;
        let queued = NewMassDelivery::queued(post.id, target, fire_at, key, rendered.promotion_url);
        store.record_mass_delivery(&queued, now_ms).await?;
        report.queued += 1;
    }
    for friend in &post.post.friends {
        let target = MassTarget::Friend(friend.clone());
        if store.mass_fired(post.id, &target, fire_at).await? {
            continue;
        }
        let Some(robot) = engine.robots.get(&friend.robot_id) else { continue };
        let member_id = store.member_id(&friend.wxid).await?;
        let rendered = render(engine, &post.post, Recipient::Friend { friend, member_id }, now_ms).await?;
        if let Some(reason) = &rendered.error {
            store.record_mass_delivery(&NewMassDelivery::failed(post.id, target, fire_at, reason), now_ms).await?;
            report.failed += 1;
            continue;
        }
        let not_before = after_dnd(engine, &GroupSettings::default(), now_ms);
        let key = format!("mass:{}:f{}:{}:{fire_at}", post.id, robot.id, friend.wxid);
        enqueue(engine, robot.id, &friend.wxid, &key, rendered.bodies, not_before, now_ms).await?;
        let queued = NewMassDelivery::queued(post.id, target, fire_at, key, rendered.promotion_url);
        store.record_mass_delivery(&queued, now_ms).await?;
        report.queued += 1;
    }
    Ok(())
}

/// Serves every due firing of every enabled mass post at `now_ms`.
pub async fn run_mass_due(engine: &Engine, now_ms: i64) -> Result<MassReport, EngineError> {
    let mut report = MassReport::default();
    let now = now_ms.div_euclid(1000);
    for post in engine.store.enabled_mass_posts().await? {
        if let Some(fire_at) = post.post.when.due(now, engine.settings.chat.utc_offset_hours) {
            fire(engine, &post, fire_at, now_ms, &mut report).await?;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-05 00:00 Beijing time.
    const DAY: i64 = 1_767_542_400;

    #[test]
    fn a_daily_post_is_due_at_its_minute_for_ten_minutes() {
        let w = When::Daily { minute_of_day: 20 * 60, from: DAY };
        let at = DAY + 20 * 3600;
        assert_eq!(w.due(at - 1, 8), None);
        assert_eq!(w.due(at, 8), Some(at));
        assert_eq!(w.due(at + 600, 8), Some(at));
        assert_eq!(w.due(at + 601, 8), None);
        assert_eq!(w.due(at + 86_400 + 5, 8), Some(at + 86_400));
        // Not before it was made.
        let late = When::Daily { minute_of_day: 20 * 60, from: at + 1 };
        assert_eq!(late.due(at + 5, 8), None);
    }

    #[test]
    fn a_one_off_post_is_due_from_its_time_on() {
        let w = When::Once { at: DAY };
        assert_eq!(w.due(DAY - 1, 8), None);
        assert_eq!(w.due(DAY + 86_400, 8), Some(DAY));
    }

    #[test]
    fn validation_names_what_is_wrong() {
        let ok = MassPost {
            text: "今晚 8 点秒杀".into(),
            link: None,
            image_media_id: None,
            groups: vec![1, 2],
            friends: Vec::new(),
            when: When::Once { at: DAY },
        };
        assert_eq!(ok.validate(), Ok(()));
        let friend = |wxid: &str| Friend { robot_id: 1, wxid: wxid.into() };
        let to_friends = MassPost { groups: vec![], friends: vec![friend("wxid_a"), friend("wxid_b")], ..ok.clone() };
        assert_eq!(to_friends.validate(), Ok(()));
        let twice = MassPost { friends: vec![friend("wxid_a"), friend("wxid_a")], ..ok.clone() };
        assert_eq!(twice.validate(), Err(MassError::Groups));
        let a_group = MassPost { friends: vec![friend("123@chatroom")], ..ok.clone() };
        assert_eq!(a_group.validate(), Err(MassError::Groups), "a group is no friend");
        assert_eq!(MassPost { text: " ".into(), ..ok.clone() }.validate(), Err(MassError::Empty));
        assert_eq!(MassPost { groups: vec![], ..ok.clone() }.validate(), Err(MassError::Groups));
        assert_eq!(MassPost { groups: vec![1, 1], ..ok.clone() }.validate(), Err(MassError::Groups));
        assert_eq!(MassPost { link: Some("你好".into()), ..ok.clone() }.validate(), Err(MassError::NoProduct));
        let link = Some("https://item.jd.com/100012043978.html".to_string());
        assert_eq!(MassPost { link, ..ok.clone() }.validate(), Ok(()));
        let when = When::Daily { minute_of_day: 1440, from: DAY };
        assert_eq!(MassPost { when, ..ok }.validate(), Err(MassError::Time));
    }
}
