//! GeWe protocol: callback parsing (chat-gateways spec §1.3–1.8) and the REST send client (§1.9).

use super::{Inbound, Outbound, SendError, SendReceipt};
use crate::config::RobotSettings;

/// What a GeWe callback carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeweEvent {
    Message(Box<Inbound>),
    /// The account went offline.
    Offline,
    /// Contact or group changed.
    ContactsChanged,
    /// A friend was deleted or the robot left a group (the id, when present).
    ContactsDeleted {
        wxid: Option<String>,
    },
    /// The gateway's `setCallback` test body.
    CallbackTest,
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error("unknown TypeName `{0}`")]
    UnknownType(String),
    #[error("missing field `{0}`")]
    Missing(&'static str),
}

/// Parses one callback body. `bot_nickname` lets `@name ` typed with a plain space be stripped too.
pub fn parse_callback(body: &[u8], bot_nickname: &str) -> Result<GeweEvent, ParseError> {
    let _ = (body, bot_nickname);
    Err(ParseError::Missing("TypeName"))
}

/// Sends through a GeWe gateway.
#[derive(Clone)]
pub struct GeweClient {
    http: reqwest::Client,
    base_url: String,
    token_header: String,
    token: String,
    app_id: String,
}

impl GeweClient {
    pub fn new(robot: &RobotSettings, http: reqwest::Client) -> Self {
        GeweClient {
            http,
            base_url: robot.base_url.trim_end_matches('/').to_string(),
            token_header: robot.token_header.clone(),
            token: robot.token.expose().to_string(),
            app_id: robot.app_id.clone(),
        }
    }

    /// Sends one outbound message (postText / postImage / postLink).
    pub async fn send(&self, msg: &Outbound) -> Result<SendReceipt, SendError> {
        let _ = (msg, &self.http, &self.base_url, &self.token_header, &self.token, &self.app_id);
        Err(SendError::Decode("not implemented".into()))
    }
}
