//! The simulator's checks of a webhook (or response_url) body, from chat-gateways spec §2.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use serde_json::Value;

pub(super) struct Checked {
    pub msgtype: String,
    pub body: Value,
    pub image: Option<Vec<u8>>,
}

/// WeCom's "invalid parameter" family **[UNVERIFIED codes]**: 40008 bad msgtype, 40058 a bad or missing field,
/// 40009 image size, 301019 md5 mismatch, 44004 empty content, 45002 content too long.
type Refused = (i64, String);

fn bad(code: i64, msg: &str) -> Refused {
    (code, msg.to_string())
}

pub(super) fn check_body(raw: &[u8]) -> Result<Checked, Refused> {
    let body: Value = serde_json::from_slice(raw).map_err(|_| bad(40058, "invalid json"))?;
    let msgtype = body["msgtype"].as_str().ok_or_else(|| bad(40008, "missing msgtype"))?.to_string();
    let section = &body[msgtype.as_str()];
    let text_field = |max: usize| -> Result<(), Refused> {
        let content = section["content"].as_str().ok_or_else(|| bad(40058, "missing content"))?;
        if content.is_empty() {
            return Err(bad(44004, "empty content"));
        }
        if content.len() > max {
            return Err(bad(45002, "content size out of limit"));
        }
        Ok(())
    };
    let mut image = None;
    match msgtype.as_str() {
        "text" => {
            text_field(2048)?;
            for list in ["mentioned_list", "mentioned_mobile_list"] {
                if !(section[list].is_null()
                    || section[list].as_array().is_some_and(|a| a.iter().all(Value::is_string)))
                {
                    return Err(bad(40058, "mentioned list must be strings"));
                }
            }
        }
        "markdown" => text_field(4096)?,
        "image" => {
            let b64 = section["base64"].as_str().ok_or_else(|| bad(40058, "missing base64"))?;
            let md5 = section["md5"].as_str().ok_or_else(|| bad(40058, "missing md5"))?;
            let bytes = STANDARD.decode(b64).map_err(|_| bad(40058, "invalid base64"))?;
            if bytes.is_empty() || bytes.len() > 2 * 1024 * 1024 {
                return Err(bad(40009, "invalid image size"));
            }
            let jpg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
            let png = bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]);
            if !(jpg || png) {
                return Err(bad(40009, "image must be jpg or png"));
            }
            let actual: String = Md5::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            if actual != md5 {
                return Err(bad(301019, "media md5 not match"));
            }
            image = Some(bytes);
        }
        "news" => {
            let articles = section["articles"].as_array().ok_or_else(|| bad(40058, "missing articles"))?;
            if articles.is_empty() || articles.len() > 8 {
                return Err(bad(40058, "articles must be 1 to 8"));
            }
            for a in articles {
                let title = a["title"].as_str().unwrap_or_default();
                let url = a["url"].as_str().unwrap_or_default();
                if title.is_empty() || title.len() > 128 || url.is_empty() {
                    return Err(bad(40058, "invalid article title or url"));
                }
                if a["description"].as_str().is_some_and(|d| d.len() > 512) {
                    return Err(bad(40058, "article description too long"));
                }
            }
        }
        _ => return Err(bad(40008, "invalid message type")),
    }
    Ok(Checked { msgtype, body, image })
}
