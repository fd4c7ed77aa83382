//! The WeCom playground at `/wecom/playground`: the webhook group's messages as they arrived, and a chat with the
//! 智能机器人 (typing goes through [`WecomSim::say`], replies come back as the finished stream or through the
//! response_url).

use super::{Received, WecomSim};
use crate::sim::support::lock;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

const PAGE: &str = include_str!("../../../assets/playground/wecom.html");
/// Most entries one poll returns.
const PAGE_SIZE: usize = 200;

/// One line of the page.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Entry {
    seq: usize,
    /// `webhook` or `aibot`.
    pane: &'static str,
    /// `member` or `bot`.
    from: &'static str,
    userid: String,
    msgtype: String,
    text: String,
    image: Option<String>,
}

impl Entry {
    pub(super) fn member(seq: usize, userid: &str, text: &str) -> Entry {
        Entry {
            seq,
            pane: "aibot",
            from: "member",
            userid: userid.to_string(),
            msgtype: "text".into(),
            text: text.to_string(),
            image: None,
        }
    }

    /// What the bot sent, as the page shows it; `index` is the message's place in [`WecomSim::received`].
    pub(super) fn bot(seq: usize, r: &Received, index: usize) -> Entry {
        let body = &r.body;
        let text = match r.msgtype.as_str() {
            "text" => body["text"]["content"].as_str().unwrap_or_default().to_string(),
            "markdown" => body["markdown"]["content"].as_str().unwrap_or_default().to_string(),
            "stream" => body["stream"]["content"].as_str().unwrap_or_default().to_string(),
            "news" => body["news"]["articles"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| {
                            format!(
                                "{}\n{}",
                                x["title"].as_str().unwrap_or_default(),
                                x["url"].as_str().unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default(),
            _ => String::new(),
        };
        Entry {
            seq,
            pane: if r.to.starts_with("response:") || r.to.starts_with("stream:") { "aibot" } else { "webhook" },
            from: "bot",
            userid: String::new(),
            msgtype: r.msgtype.clone(),
            text,
            image: r.image.as_ref().map(|_| format!("playground/image/{index}")),
        }
    }
}

pub(super) fn router() -> Router<WecomSim> {
    Router::new()
        .route("/playground", get(page))
        .route("/playground/messages", get(messages))
        .route("/playground/image/{index}", get(image))
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

#[derive(Deserialize)]
struct After {
    #[serde(default)]
    after: usize,
}

async fn messages(State(sim): State<WecomSim>, Query(q): Query<After>) -> Response {
    let s = lock(&sim.state);
    let list: Vec<&Entry> = s.timeline.iter().skip(q.after).take(PAGE_SIZE).collect();
    axum::Json(list).into_response()
}

async fn image(State(sim): State<WecomSim>, Path(index): Path<usize>) -> Response {
    let s = lock(&sim.state);
    match s.received.get(index).and_then(|r| r.image.clone()) {
        Some(bytes) => {
            let png = bytes.starts_with(b"\x89PNG");
            ([(header::CONTENT_TYPE, if png { "image/png" } else { "image/jpeg" })], bytes).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
