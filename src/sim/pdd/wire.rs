//! The simulated gateway's wire format: request bodies (JSON or form) turned into string parameters exactly as
//! PDD signs them, and the error envelope in the captured key order (affiliates spec §1.3, §1.4).

use crate::sim::text::pdd as text;
use serde::Serialize;
use std::collections::BTreeMap;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: i64,
    pub msg: String,
    /// `None` for the two-field form (`{"error_code":10019,"error_msg":"…"}`).
    pub detail: Option<Detail>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub sub_code: Option<String>,
    pub sub_msg: String,
}

impl ApiError {
    fn full(code: i64, msg: impl Into<String>, sub_code: Option<&str>, sub_msg: impl Into<String>) -> Self {
        ApiError {
            code,
            msg: msg.into(),
            detail: Some(Detail { sub_code: sub_code.map(str::to_string), sub_msg: sub_msg.into() }),
        }
    }

    /// 10000 `参数错误:<field>`.
    pub fn param(field: &str) -> Self {
        let text = text::param_error(field);
        ApiError::full(10000, text.clone(), Some("10000"), text)
    }

    /// 20004 `签名验证失败`.
    pub fn sign() -> Self {
        ApiError::full(20004, text::SIGN_FAILED, Some("20004"), text::SIGN_FAILED)
    }

    /// 50001 `时间跨度不能超过24小时` (sub_code `null`).
    pub fn window() -> Self {
        ApiError::full(50001, text::WINDOW_TOO_LONG, None, text::WINDOW_TOO_LONG)
    }

    /// 50001/60001: the (pid, custom_parameters) pair is not 备案.
    pub fn not_bound() -> Self {
        ApiError::full(50001, text::BUSINESS_ERROR, Some("60001"), text::NOT_BOUND_MSG)
    }

    /// 50001 `业务服务错误` with a business message.
    pub fn business(sub_msg: impl Into<String>) -> Self {
        ApiError::full(50001, text::BUSINESS_ERROR, None, sub_msg)
    }

    /// An unknown or malformed material (`非法的source_url`, `非法的goods_sign`).
    pub fn illegal(what: &str) -> Self {
        ApiError::business(text::illegal(what))
    }

    /// 10019 `access_token已过期` (two-field form).
    pub fn token_expired() -> Self {
        ApiError { code: 10019, msg: text::TOKEN_EXPIRED.into(), detail: None }
    }

    /// A platform error by code, with the table's message (throttling, unavailability, injected faults).
    pub fn platform(code: i64) -> Self {
        let msg = match code {
            52101 => text::THROTTLED,
            52102 => text::API_UNAVAILABLE,
            52103 => text::SERVICE_UNAVAILABLE,
            70031 => text::TOO_FREQUENT,
            10019 => return ApiError::token_expired(),
            20004 => return ApiError::sign(),
            60001 => return ApiError::not_bound(),
            _ => text::BUSINESS_ERROR,
        };
        let sub_code = code.to_string();
        ApiError::full(code, msg, Some(&sub_code), msg)
    }

    pub fn to_json(&self, request_id: &str) -> String {
        #[derive(Serialize)]
        struct Full<'a> {
            error_msg: &'a str,
            sub_msg: &'a str,
            sub_code: Option<&'a str>,
            error_code: i64,
            request_id: &'a str,
        }
        #[derive(Serialize)]
        struct Bare<'a> {
            error_code: i64,
            error_msg: &'a str,
        }
        #[derive(Serialize)]
        struct Envelope<T> {
            error_response: T,
        }
        let text = match &self.detail {
            Some(d) => serde_json::to_string(&Envelope {
                error_response: Full {
                    error_msg: &self.msg,
                    sub_msg: &d.sub_msg,
                    sub_code: d.sub_code.as_deref(),
                    error_code: self.code,
                    request_id,
                },
            }),
            None => serde_json::to_string(&Envelope {
                error_response: Bare { error_code: self.code, error_msg: &self.msg },
            }),
        };
        text.unwrap_or_default()
    }
}

/// Reads a JSON or form body into string parameters: strings byte-exact, integers in decimal, booleans
/// `true`/`false`, nested values as compact JSON (the server's own stringification is [UNVERIFIED]; clients send
/// them pre-encoded).
pub fn parse_params(content_type: Option<&str>, body: &[u8]) -> Result<BTreeMap<String, String>, ApiError> {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let looks_json = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if ct.starts_with("application/json") || (!ct.starts_with("application/x-www-form-urlencoded") && looks_json) {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(body).map_err(|_| ApiError::param("body"))?;
        let mut out = BTreeMap::new();
        for (k, v) in map {
            let text = match v {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) => s,
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                other => other.to_string(),
            };
            out.insert(k, text);
        }
        Ok(out)
    } else {
        Ok(url::form_urlencoded::parse(body).into_owned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_the_captured_shape() {
        assert_eq!(
            ApiError::sign().to_json("15749321782103707"),
            r#"{"error_response":{"error_msg":"签名验证失败","sub_msg":"签名验证失败","sub_code":"20004","error_code":20004,"request_id":"15749321782103707"}}"#
        );
        assert_eq!(
            ApiError::window().to_json("1"),
            r#"{"error_response":{"error_msg":"时间跨度不能超过24小时","sub_msg":"时间跨度不能超过24小时","sub_code":null,"error_code":50001,"request_id":"1"}}"#
        );
        assert_eq!(
            ApiError::token_expired().to_json("1"),
            r#"{"error_response":{"error_code":10019,"error_msg":"access_token已过期"}}"#
        );
        assert!(ApiError::not_bound().to_json("1").contains(r#""sub_code":"60001","error_code":50001"#));
        assert!(ApiError::param("p_id_name_list").to_json("1").contains(r#""error_msg":"参数错误:p_id_name_list""#));
    }

    #[test]
    fn json_scalars_become_the_strings_that_were_signed() {
        let body = br#"{"type":"t","page":1,"flag":true,"nested":{"a":[1,2]},"s":"{\"uid\":\"x\"}","n":null}"#;
        let p = parse_params(Some("application/json"), body).unwrap();
        assert_eq!(p["page"], "1");
        assert_eq!(p["flag"], "true");
        assert_eq!(p["nested"], r#"{"a":[1,2]}"#);
        assert_eq!(p["s"], r#"{"uid":"x"}"#);
        assert!(!p.contains_key("n"));
        let p = parse_params(
            Some("application/x-www-form-urlencoded"),
            b"type=t&custom_parameters=%7B%22uid%22%3A%22x%22%7D",
        )
        .unwrap();
        assert_eq!(p["custom_parameters"], r#"{"uid":"x"}"#);
        assert!(parse_params(Some("application/json"), b"[1]").is_err());
    }
}
