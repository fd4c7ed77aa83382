//! A robot account's state and how a gateway's answer reveals it.

use super::text;
use crate::chat::SendError;

/// The account state of a robot as the gateway last showed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RobotState {
    Online,
    /// The gateway lost the account's connection (`Offline` callback, a send answered 已离线); it may come back
    /// through `reconnection`.
    Offline,
    /// Reconnecting failed or the gateway says the account is not logged in: an operator must scan a QR again.
    NeedsLogin,
    /// WeChat banned or limited the account.
    Limited,
}

impl RobotState {
    pub const ALL: [RobotState; 4] =
        [RobotState::Online, RobotState::Offline, RobotState::NeedsLogin, RobotState::Limited];

    pub fn as_str(self) -> &'static str {
        match self {
            RobotState::Online => "online",
            RobotState::Offline => "offline",
            RobotState::NeedsLogin => "needs_login",
            RobotState::Limited => "limited",
        }
    }

    pub fn parse(s: &str) -> Option<RobotState> {
        RobotState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The state's name on the dashboard and in alerts.
    pub fn label(self) -> &'static str {
        match self {
            RobotState::Online => text::STATE_ONLINE,
            RobotState::Offline => text::STATE_OFFLINE,
            RobotState::NeedsLogin => text::STATE_NEEDS_LOGIN,
            RobotState::Limited => text::STATE_LIMITED,
        }
    }
}

/// Whether a failed gateway call says the account cannot send at all (rather than this one message failing):
/// then the sends wait for the account instead of being retried to death.
pub fn account_down(err: &SendError) -> Option<RobotState> {
    let SendError::Rejected { msg, .. } = err else { return None };
    let has = |words: &[&str]| words.iter().any(|w| msg.contains(w));
    if has(text::LIMITED_PHRASES) {
        Some(RobotState::Limited)
    } else if has(text::OFFLINE_PHRASES) {
        Some(RobotState::Offline)
    } else if has(text::NOT_LOGGED_IN_PHRASES) {
        Some(RobotState::NeedsLogin)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(msg: &str) -> SendError {
        SendError::Rejected { ret: 500, msg: msg.into() }
    }

    #[test]
    fn send_answers_that_mean_the_account_is_down() {
        assert_eq!(account_down(&rejected("微信已离线，请重新登录")), Some(RobotState::Offline));
        assert_eq!(account_down(&rejected("appId:wx_1 不存在或未登录")), Some(RobotState::NeedsLogin));
        assert_eq!(account_down(&rejected("该账号已被封号")), Some(RobotState::Limited));
        assert_eq!(account_down(&rejected("执行失败")), None, "a plain failure is this message's problem");
        assert_eq!(account_down(&SendError::Timeout), None);
        assert_eq!(account_down(&SendError::Http(502)), None);
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for st in RobotState::ALL {
            assert_eq!(RobotState::parse(st.as_str()), Some(st));
        }
        assert_eq!(RobotState::parse("logging_in"), None);
    }
}
