//! Pinduoduo wire format (affiliates spec §1.2–§1.4): parameters, signing, the JSON body, the response envelope,
//! error codes, and lenient scalar decoding (ids and amounts arrive as numbers or strings, times may be `null`).

use crate::affiliate::AffiliateError;
use crate::affiliate::sign::md5_wrapped;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::HashMap;

/// Business parameters of one call. Empty values are never sent (spec §0), so they are dropped here.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn new() -> Self {
        Params::default()
    }

    pub fn set(mut self, name: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.is_empty() {
            self.0.retain(|(k, _)| k != name);
            self.0.push((name.to_string(), value));
        }
        self
    }

    pub fn opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.set(name, v),
            None => self,
        }
    }

    /// A nested object or list, sent (and signed) as its compact JSON text.
    pub fn json<T: Serialize>(self, name: &str, value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(text) => self.set(name, text),
            Err(_) => self,
        }
    }
}

/// The common parameters of every call.
pub struct Common<'a> {
    pub type_name: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub timestamp: i64,
    pub access_token: Option<&'a str>,
}

/// Adds the common parameters, signs everything and returns the JSON body: an object of string values.
pub fn signed_body(common: &Common<'_>, params: &Params) -> serde_json::Map<String, serde_json::Value> {
    let timestamp = common.timestamp.to_string();
    let mut all: Vec<(&str, &str)> = vec![
        ("type", common.type_name),
        ("client_id", common.client_id),
        ("timestamp", &timestamp),
        ("data_type", "JSON"),
        ("version", "V1"),
    ];
    if let Some(token) = common.access_token {
        all.push(("access_token", token));
    }
    for (k, v) in &params.0 {
        if !all.iter().any(|(name, _)| *name == k) {
            all.push((k, v));
        }
    }
    all.retain(|(_, v)| !v.is_empty());
    let sign = md5_wrapped(common.client_secret, all.iter().copied());
    let mut body: serde_json::Map<String, serde_json::Value> =
        all.into_iter().map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string()))).collect();
    body.insert("sign".into(), serde_json::Value::String(sign));
    body
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default, deserialize_with = "opt_i64")]
    error_code: Option<i64>,
    #[serde(default)]
    error_msg: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    sub_code: Option<String>,
    #[serde(default)]
    sub_msg: Option<String>,
}

/// Returns the object inside `wrapper`, or the error the envelope carries.
pub fn unwrap_envelope<'a>(body: &'a str, wrapper: &str) -> Result<&'a RawValue, AffiliateError> {
    let top: HashMap<String, &'a RawValue> =
        serde_json::from_str(body).map_err(|e| AffiliateError::Decode(format!("not a JSON object: {e}")))?;
    if let Some(err) = top.get("error_response") {
        let err: ErrorBody =
            serde_json::from_str(err.get()).map_err(|e| AffiliateError::Decode(format!("bad error_response: {e}")))?;
        return Err(map_error(
            err.error_code.unwrap_or(0),
            err.sub_code.as_deref(),
            err.error_msg.as_deref().unwrap_or(""),
            err.sub_msg.as_deref().unwrap_or(""),
        ));
    }
    top.get(wrapper).copied().ok_or_else(|| AffiliateError::Decode(format!("missing `{wrapper}`")))
}

/// Decodes the object inside `wrapper` into `T`.
pub fn decode<'a, T: Deserialize<'a>>(body: &'a str, wrapper: &str) -> Result<T, AffiliateError> {
    let inner = unwrap_envelope(body, wrapper)?;
    serde_json::from_str(inner.get()).map_err(|e| AffiliateError::Decode(format!("{wrapper}: {e}")))
}

/// The §1.4 error table.
pub fn map_error(code: i64, sub_code: Option<&str>, msg: &str, sub_msg: &str) -> AffiliateError {
    let text = if sub_msg.is_empty() { msg } else { sub_msg };
    match code {
        52101 | 70031 => AffiliateError::RateLimited { retry_after: None },
        52102 | 52103 => AffiliateError::Unavailable { code: code.to_string(), msg: text.to_string() },
        10019 => AffiliateError::TokenExpired,
        20004 => AffiliateError::Misconfigured { code: code.to_string(), msg: text.to_string() },
        // The gateway names the system parameter it refused: the app's client id or our clock.
        10000 if ["timestamp", "client_id"].iter().any(|w| text.ends_with(w)) => {
            AffiliateError::Misconfigured { code: code.to_string(), msg: text.to_string() }
        }
        50001 if sub_code == Some("60001") => AffiliateError::MemberNotAuthorized,
        50001 if crate::affiliate::text::PDD_NOT_FOUND.iter().any(|w| text.contains(w)) => AffiliateError::NotFound,
        _ => AffiliateError::Rejected { code: code.to_string(), msg: text.to_string() },
    }
}

/// A scalar as platforms send it: ids and amounts as numbers or strings.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Int(i64),
    UInt(u64),
    Bool(bool),
    Str(String),
    /// Fractions, lists, objects: never a valid id, integer or flag.
    Other(serde::de::IgnoredAny),
}

/// An id sent as a number or a string, kept as text (ids above 2^53 stay exact; never through `f64`).
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Scalar>::deserialize(d)? {
        None => Ok(None),
        Some(Scalar::Int(i)) => Ok(Some(i.to_string())),
        Some(Scalar::UInt(u)) => Ok(Some(u.to_string())),
        Some(Scalar::Str(s)) if s.is_empty() => Ok(None),
        Some(Scalar::Str(s)) => Ok(Some(s)),
        Some(Scalar::Bool(_) | Scalar::Other(_)) => Err(D::Error::custom("an id must be an integer or a string")),
    }
}

/// An integer sent as a number, a numeric string or `null`.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Scalar>::deserialize(d)? {
        None => Ok(None),
        Some(Scalar::Int(i)) => Ok(Some(i)),
        Some(Scalar::UInt(u)) => i64::try_from(u).map(Some).map_err(D::Error::custom),
        Some(Scalar::Str(s)) if s.trim().is_empty() => Ok(None),
        Some(Scalar::Str(s)) => s.trim().parse().map(Some).map_err(D::Error::custom),
        Some(Scalar::Bool(_) | Scalar::Other(_)) => Err(D::Error::custom("expected an integer")),
    }
}

/// A flag sent as `true`/`false`, `0`/`1` or their text.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Option::<Scalar>::deserialize(d)? {
        None => Ok(false),
        Some(Scalar::Bool(b)) => Ok(b),
        Some(Scalar::Int(i)) => Ok(i != 0),
        Some(Scalar::UInt(u)) => Ok(u != 0),
        Some(Scalar::Str(s)) => Ok(matches!(s.as_str(), "true" | "1")),
        Some(Scalar::Other(_)) => Err(D::Error::custom("expected a flag")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_signed_like_vector_pdd_2_and_skips_empties() {
        let params = Params::new()
            .set("pid", "13943073_186718366")
            .set("source_url", "https://mobile.yangkeduo.com/goods.html?goods_id=123456")
            .json("custom_parameters", &serde_json::json!({"uid": "g1m42"}))
            .set("generate_short_link", "");
        let common = Common {
            type_name: "pdd.ddk.goods.zs.unit.url.gen",
            client_id: "testClientId",
            client_secret: "testSecret",
            timestamp: 1_700_000_000,
            access_token: None,
        };
        let body = signed_body(&common, &params);
        assert_eq!(body["sign"], "CF5562A8534AD92C51B7F6A2EACF81E5");
        assert_eq!(body["custom_parameters"], r#"{"uid":"g1m42"}"#);
        assert_eq!(body["timestamp"], "1700000000");
        assert!(!body.contains_key("generate_short_link"));
        assert!(!body.contains_key("access_token"));
        assert!(body.values().all(|v| v.is_string()));
    }

    #[test]
    fn verbatim_errors_map_to_the_table() {
        let cases = [
            (
                r#"{"error_response":{"error_msg":"签名验证失败","sub_msg":"签名验证失败","sub_code":"20004","error_code":20004,"request_id":"15749321782103707"}}"#,
                "Misconfigured",
            ),
            (
                r#"{"error_response":{"error_msg":"参数错误:p_id_name_list","sub_msg":"参数错误:p_id_name_list","sub_code":"10000","error_code":10000,"request_id":"16278930378660952"}}"#,
                "Rejected",
            ),
            (
                r#"{"error_response":{"error_msg":"时间跨度不能超过24小时","sub_msg":"时间跨度不能超过24小时","sub_code":null,"error_code":50001,"request_id":"15464049615056181"}}"#,
                "Rejected",
            ),
            (
                r#"{"error_response":{"error_msg":"业务服务错误","sub_msg":"未传入已经授权备案过的相关参数(pid/custom_parameters), 授权备案说明链接：https://jinbao.pinduoduo.com/qa-system?questionId=204","sub_code":"60001","error_code":50001,"request_id":"16117287939674146"}}"#,
                "MemberNotAuthorized",
            ),
            (r#"{"error_response":{"error_code":10019,"error_msg":"access_token已过期"}}"#, "TokenExpired"),
            (r#"{"error_response":{"error_code":10000,"error_msg":"参数错误:timestamp"}}"#, "Misconfigured"),
            (r#"{"error_response":{"error_code":52101,"error_msg":"当前接口被限流，请稍后重试"}}"#, "RateLimited"),
            (r#"{"error_response":{"error_code":70031,"error_msg":"调用过于频繁，请调整调用频率"}}"#, "RateLimited"),
            (r#"{"error_response":{"error_code":"52103","error_msg":"服务暂时不可用"}}"#, "Unavailable"),
        ];
        for (body, want) in cases {
            let err = unwrap_envelope(body, "x").unwrap_err();
            let got = format!("{err:?}");
            assert!(got.starts_with(want), "{body} gave {got}");
        }
        match unwrap_envelope(cases[0].0, "x").unwrap_err() {
            AffiliateError::Misconfigured { code, msg } => {
                assert_eq!(code, "20004");
                assert_eq!(msg, "签名验证失败");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(unwrap_envelope("<html>", "x"), Err(AffiliateError::Decode(_))));
        assert!(matches!(unwrap_envelope("{}", "x"), Err(AffiliateError::Decode(_))));
    }

    #[derive(Deserialize)]
    struct Ids {
        #[serde(default, deserialize_with = "opt_id")]
        a: Option<String>,
        #[serde(default, deserialize_with = "opt_id")]
        b: Option<String>,
        #[serde(default, deserialize_with = "opt_i64")]
        c: Option<i64>,
        #[serde(default, deserialize_with = "opt_i64")]
        d: Option<i64>,
        #[serde(default, deserialize_with = "flag")]
        e: bool,
    }

    #[test]
    fn big_ids_survive_as_numbers_or_strings() {
        let ids: Ids =
            serde_json::from_str(r#"{"a":633374476636970002,"b":"18446744073709551615","c":"42","d":null,"e":1}"#)
                .unwrap();
        assert_eq!(ids.a.as_deref(), Some("633374476636970002"));
        assert_eq!(ids.b.as_deref(), Some("18446744073709551615"));
        assert_eq!(ids.c, Some(42));
        assert_eq!(ids.d, None);
        assert!(ids.e);
        assert!(serde_json::from_str::<Ids>(r#"{"a":1.5}"#).is_err());
    }
}
