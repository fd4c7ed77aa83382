//! The normalized chat message model and one module per WeChat gateway.
//!
//! Gateway modules parse webhook bodies into [`Inbound`] and send [`Outbound`] through the gateway's API.
//! Nothing here knows about products or money.

pub mod gateway;
pub mod gewe;
pub mod wecom;

mod text;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationKind {
    Group,
    Direct,
}

/// A group member as the gateway names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRef {
    pub wxid: String,
    pub nickname: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboundKind {
    Text,
    Image,
    /// appmsg type 5: a link card.
    Link {
        url: String,
        title: String,
        desc: String,
    },
    /// appmsg type 33/36: a mini-program card.
    MiniProgram {
        appid: String,
        username: String,
        pagepath: String,
        title: String,
    },
    /// appmsg type 57: a reply quoting another message; `text` is the new text.
    Quote {
        text: String,
    },
    /// 10002 join: the inviter (if any) and who joined.
    Join {
        inviter: Option<MemberRef>,
        joined: Vec<MemberRef>,
    },
    /// 10002 removal (`…将"X"移出了群聊`): who removed them (`None`: the robot itself) and who was removed.
    Removed {
        by: Option<MemberRef>,
        removed: Vec<MemberRef>,
    },
    /// The robot itself was invited into a group.
    BotInvited,
    /// Other system notices.
    System,
    /// Someone asks to become the robot's friend (the message's conversation and sender are the requester).
    FriendRequest(FriendRequest),
    Other {
        code: i64,
    },
}

/// A friend request, with what accepting it takes (gewe-account spec §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendRequest {
    /// The requester's wxid.
    pub wxid: String,
    pub nickname: Option<String>,
    /// The greeting they wrote.
    pub greeting: String,
    /// `encryptusername` (`v3_…@stranger`).
    pub v3: String,
    /// `ticket` (`v4_…@stranger`).
    pub v4: String,
    /// How they found the robot; passed back verbatim when accepting.
    pub scene: i64,
    /// The group they came from, when the gateway says.
    pub source_room: Option<String>,
}

/// One inbound message, normalized (chat-gateways spec §7.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    /// Gateway device / account id (GeWe `Appid`).
    pub account_id: String,
    /// The robot's own wxid.
    pub bot_id: String,
    /// Gateway message id as decimal text (GeWe `NewMsgId`).
    pub native_id: String,
    /// `account_id:native_id`: the dedupe key.
    pub dedupe_key: String,
    /// Group room id (`…@chatroom`) or the direct peer.
    pub conversation_id: String,
    pub conversation: ConversationKind,
    /// The member who wrote it; `None` for system messages.
    pub sender_id: Option<String>,
    /// The sender's display name when the gateway told us.
    pub sender_name: Option<String>,
    pub is_self: bool,
    pub mentions: Vec<String>,
    pub mentions_bot: bool,
    pub mentions_all: bool,
    pub kind: InboundKind,
    /// Text with the group prefix and `@name\u{2005}` mentions removed. For XML kinds: the XML body.
    pub text: String,
    /// The content as received.
    pub raw_text: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The message should be recorded but never answered (official accounts, tips, system senders).
    pub ignorable: bool,
    /// Where replies to this message go when the gateway names a per-message address (WeCom 智能机器人
    /// `response_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_handle: Option<String>,
}

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboundBody {
    /// Text; `ats` are wxids and the content must contain `@昵称` for each.
    Text { content: String, ats: Vec<String> },
    /// An image the gateway fetches by URL.
    Image { url: String },
    /// A link card.
    Link { title: String, desc: String, url: String, thumb_url: String },
    /// Accept a friend request (an account operation that is paced and retried like a send; the conversation
    /// is the requester).
    AcceptFriend { v3: String, v4: String, scene: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbound {
    pub conversation_id: String,
    pub body: OutboundBody,
}

/// Whether a failed send may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRetry {
    /// Try again later with backoff.
    Retry,
    /// Will not succeed as it is: dead-letter now.
    Permanent,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("gateway answered ret={ret}: {msg}")]
    Rejected { ret: i64, msg: String },
    #[error("gateway transport error: {0}")]
    Transport(String),
    #[error("gateway call timed out")]
    Timeout,
    #[error("gateway answered HTTP {0}")]
    Http(u16),
    #[error("unexpected gateway response: {0}")]
    Decode(String),
    /// The gateway refused the message itself (WeCom `errcode`): sending it again will not help.
    #[error("gateway refused the message: errcode {code}: {msg}")]
    Refused { code: i64, msg: String },
}

impl SendError {
    pub fn retry(&self) -> SendRetry {
        match self {
            SendError::Transport(_) | SendError::Timeout => SendRetry::Retry,
            SendError::Http(code) if *code >= 500 || *code == 429 => SendRetry::Retry,
            SendError::Http(_) => SendRetry::Permanent,
            // GeWe uses 500 for "执行失败" (often transient); other codes are request problems.
            SendError::Rejected { ret, .. } if *ret >= 500 => SendRetry::Retry,
            SendError::Rejected { .. } => SendRetry::Permanent,
            SendError::Decode(_) => SendRetry::Retry,
            SendError::Refused { .. } => SendRetry::Permanent,
        }
    }
}

/// The gateway's receipt for a delivered message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendReceipt {
    /// Gateway message id of the sent message, as text.
    pub new_msg_id: Option<String>,
    /// The gateway's response body (kept for audit).
    pub raw: String,
}
