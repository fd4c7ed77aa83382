//! The send side of every gateway behind one type, so the outbox sends without knowing which gateway a robot
//! sits behind.

use super::gewe::GeweClient;
use super::wecom::{AibotClient, Article, StreamBook, WebhookClient, WebhookMessage};
use super::{Outbound, OutboundBody, SendError, SendReceipt};
use crate::clock::Clock;
use crate::config::{GatewayKind, RobotSettings};
use crate::store::Store;

/// How long a 智能机器人 `response_url` is used after its message arrived **[UNVERIFIED: 1 hour]**.
pub const RESPONSE_URL_TTL_MS: i64 = 3_600_000;

pub enum GatewayClient {
    Gewe(GeweClient),
    Wecom(WecomSender),
}

impl GatewayClient {
    /// The client for `robot`. WeCom needs the poster bytes (it takes images as base64, not by URL) and, for the
    /// 智能机器人, the conversation's open stream or else its latest `response_url` (from the store).
    #[allow(clippy::too_many_arguments)]
    pub fn for_robot(
        robot_id: i64,
        robot: &RobotSettings,
        http: reqwest::Client,
        store: Store,
        clock: Clock,
        public_base_url: &str,
        streams: StreamBook,
    ) -> Self {
        let way = match robot.gateway {
            GatewayKind::Gewe => return GatewayClient::Gewe(GeweClient::new(robot, http)),
            GatewayKind::WecomWebhook => {
                WecomWay::Webhook(WebhookClient::new(&robot.base_url, robot.token.expose(), http))
            }
            GatewayKind::WecomAibot => WecomWay::Aibot(AibotClient::new(http)),
        };
        let media_prefix = format!("{}/media/", public_base_url.trim_end_matches('/'));
        GatewayClient::Wecom(WecomSender { robot_id, way, store, clock, media_prefix, streams })
    }

    pub async fn send(&self, msg: &Outbound) -> Result<SendReceipt, SendError> {
        match self {
            GatewayClient::Gewe(c) => c.send(msg).await,
            GatewayClient::Wecom(c) => c.send(msg).await,
        }
    }

    /// WeCom has no login state: always online.
    pub async fn check_online(&self) -> Result<bool, SendError> {
        match self {
            GatewayClient::Gewe(c) => c.check_online().await,
            GatewayClient::Wecom(_) => Ok(true),
        }
    }

    pub async fn reconnect(&self) -> Result<(), SendError> {
        match self {
            GatewayClient::Gewe(c) => c.reconnect().await,
            GatewayClient::Wecom(_) => Ok(()),
        }
    }
}

enum WecomWay {
    Webhook(WebhookClient),
    Aibot(AibotClient),
}

pub struct WecomSender {
    robot_id: i64,
    way: WecomWay,
    store: Store,
    clock: Clock,
    /// `{public_base_url}/media/`: images under it are our posters, read from the store.
    media_prefix: String,
    /// The 智能机器人's open streams: a reply goes into its conversation's stream when one is open.
    streams: StreamBook,
}

impl WecomSender {
    async fn send(&self, msg: &Outbound) -> Result<SendReceipt, SendError> {
        let message = self.message(&msg.body).await?;
        match &self.way {
            WecomWay::Webhook(c) => c.post(&message).await,
            WecomWay::Aibot(c) => {
                let now = self.clock.now_ms();
                if self.streams.append(self.robot_id, &msg.conversation_id, &message, now) {
                    return Ok(SendReceipt { new_msg_id: None, raw: "stream".into() });
                }
                let since = now - RESPONSE_URL_TTL_MS;
                let handle = self
                    .store
                    .latest_reply_handle(self.robot_id, &msg.conversation_id, since)
                    .await
                    .map_err(|e| SendError::Transport(format!("store: {e}")))?;
                let Some(url) = handle else {
                    return Err(SendError::Refused { code: -1, msg: "no recent response_url for this chat".into() });
                };
                c.reply(&url, &message).await
            }
        }
    }

    /// Our body in WeCom's terms: text (markdown for the 智能机器人), the poster's bytes, a link as a news card.
    async fn message(&self, body: &OutboundBody) -> Result<WebhookMessage, SendError> {
        Ok(match body {
            OutboundBody::Text { content, .. } => match self.way {
                WecomWay::Webhook(_) => WebhookMessage::Text { content: content.clone(), mentioned_list: Vec::new() },
                WecomWay::Aibot(_) => WebhookMessage::Markdown { content: content.clone() },
            },
            OutboundBody::Image { url } => match self.poster_bytes(url).await? {
                Some(bytes) => WebhookMessage::Image { bytes },
                // Not one of our posters (an auto-reply's picture): WeCom cannot fetch by URL, so link to it.
                None => WebhookMessage::Markdown { content: super::text::view_picture(url) },
            },
            OutboundBody::Link { title, desc, url, thumb_url } => WebhookMessage::News {
                articles: vec![Article {
                    title: title.clone(),
                    description: desc.clone(),
                    url: url.clone(),
                    picurl: thumb_url.clone(),
                }],
            },
            OutboundBody::AcceptFriend { .. } => {
                return Err(SendError::Refused { code: -1, msg: "WeCom has no friend requests to accept".into() });
            }
        })
    }

    async fn poster_bytes(&self, url: &str) -> Result<Option<Vec<u8>>, SendError> {
        let Some(file) = url.strip_prefix(&self.media_prefix) else { return Ok(None) };
        let id = file.strip_suffix(".jpg").unwrap_or(file);
        let media = self
            .store
            .get_media(id, self.clock.now_ms())
            .await
            .map_err(|e| SendError::Transport(format!("store: {e}")))?;
        match media {
            Some(m) => Ok(Some(m.bytes)),
            None => Err(SendError::Refused { code: -1, msg: "the poster has expired".into() }),
        }
    }
}
