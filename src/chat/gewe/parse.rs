//! GeWe callback bodies → [`GeweEvent`] (chat-gateways spec §1.3–1.8, rules G1–G10).

use super::xml::{self, Element};
use crate::chat::{ConversationKind, Inbound, InboundKind, MemberRef, text};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use std::collections::HashSet;
use std::fmt;

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
    #[error("field `{0}` is out of range")]
    OutOfRange(&'static str),
}

const CHATROOM_SUFFIX: &str = "@chatroom";
const MENTION_ALL: &str = "notify@all";
/// The mention separator WeChat clients put after `@name` (U+2005 FOUR-PER-EM SPACE).
const MENTION_END: char = '\u{2005}';
/// Longest display name a mention may carry (rule G5).
const MENTION_MAX_CHARS: usize = 32;
/// The latest `CreateTime` accepted (9999-12-31 23:59:59 UTC): later or negative values are refused, so time
/// arithmetic on it can never overflow.
const MAX_CREATE_TIME: i64 = 253_402_300_799;
/// Senders that are not people (rule G9).
const NON_USER_SENDERS: &[&str] = &["weixin", "Tencent-Games", "filehelper"];

/// Parses one callback body. `bot_nickname` lets `@name ` typed with a plain space be stripped too.
pub fn parse_callback(body: &[u8], bot_nickname: &str) -> Result<GeweEvent, ParseError> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ParseError::Json("the body is not a JSON object".into()));
    }
    let head: Head = serde_json::from_slice(body).map_err(json_error)?;
    if head.test_msg.is_some() {
        return Ok(GeweEvent::CallbackTest);
    }
    let type_name = head.type_name.ok_or(ParseError::Missing("TypeName"))?;
    match type_name.as_str() {
        "AddMsg" => {
            let envelope: AddMsgEnvelope = serde_json::from_slice(body).map_err(json_error)?;
            normalize(envelope, bot_nickname).map(|m| GeweEvent::Message(Box::new(m)))
        }
        "Offline" => Ok(GeweEvent::Offline),
        "ModContacts" => Ok(GeweEvent::ContactsChanged),
        "DelContacts" => {
            let envelope: DelContactsEnvelope = serde_json::from_slice(body).map_err(json_error)?;
            let wxid = envelope.data.map(|d| d.user_name).filter(|w| !w.is_empty());
            Ok(GeweEvent::ContactsDeleted { wxid })
        }
        _ => Err(ParseError::UnknownType(type_name)),
    }
}

fn json_error(e: serde_json::Error) -> ParseError {
    ParseError::Json(e.to_string())
}

#[derive(Deserialize)]
struct Head {
    #[serde(rename = "TypeName", default)]
    type_name: Option<String>,
    #[serde(rename = "testMsg", default)]
    test_msg: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct AddMsgEnvelope {
    #[serde(rename = "Appid", default)]
    appid: Option<String>,
    #[serde(rename = "Wxid", default)]
    wxid: Option<String>,
    #[serde(rename = "Data", default)]
    data: Option<AddMsgData>,
}

#[derive(Deserialize)]
struct AddMsgData {
    #[serde(rename = "FromUserName", default, deserialize_with = "wrapped_string")]
    from: String,
    #[serde(rename = "ToUserName", default, deserialize_with = "wrapped_string")]
    to: String,
    #[serde(rename = "MsgType", default)]
    msg_type: Option<i64>,
    #[serde(rename = "Content", default, deserialize_with = "wrapped_string")]
    content: String,
    #[serde(rename = "CreateTime", default)]
    create_time: Option<i64>,
    #[serde(rename = "MsgSource", default)]
    msg_source: Option<String>,
    #[serde(rename = "PushContent", default)]
    push_content: Option<String>,
    #[serde(rename = "NewMsgId", default)]
    new_msg_id: Option<MsgId>,
}

#[derive(Deserialize)]
struct DelContactsEnvelope {
    #[serde(rename = "Data", default)]
    data: Option<DelContactsData>,
}

#[derive(Deserialize)]
struct DelContactsData {
    #[serde(rename = "UserName", default, deserialize_with = "wrapped_string")]
    user_name: String,
}

/// Reads `{"string": "…"}`, an empty `{}`, `null` or a bare string as a string (`""` when missing).
fn wrapped_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wrapped {
        Plain(String),
        Object {
            #[serde(default)]
            string: Option<String>,
        },
    }
    Ok(match Option::<Wrapped>::deserialize(d)? {
        Some(Wrapped::Plain(s)) | Some(Wrapped::Object { string: Some(s) }) => s,
        Some(Wrapped::Object { string: None }) | None => String::new(),
    })
}

/// A 64-bit gateway message id, kept as canonical decimal text (rule G6). Accepts a JSON integer or a decimal
/// string and never goes through `f64`; floats, negative numbers and non-digit strings are rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MsgId(pub String);

impl<'de> Deserialize<'de> for MsgId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MsgIdVisitor)
    }
}

struct MsgIdVisitor;

impl Visitor<'_> for MsgIdVisitor {
    type Value = MsgId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an unsigned 64-bit integer or its decimal string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<MsgId, E> {
        Ok(MsgId(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<MsgId, E> {
        u64::try_from(v).map(|v| MsgId(v.to_string())).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<MsgId, E> {
        u64::try_from(v).map(|v| MsgId(v.to_string())).map_err(|_| E::custom("message id out of the 64-bit range"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<MsgId, E> {
        Err(E::invalid_type(de::Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<MsgId, E> {
        let digits = v.trim();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::invalid_value(de::Unexpected::Str(v), &self));
        }
        digits.parse::<u64>().map(|n| MsgId(n.to_string())).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

fn normalize(envelope: AddMsgEnvelope, bot_nickname: &str) -> Result<Inbound, ParseError> {
    let data = envelope.data.ok_or(ParseError::Missing("Data"))?;
    let native_id = data.new_msg_id.map(|id| id.0).filter(|id| id != "0").ok_or(ParseError::Missing("NewMsgId"))?;
    // Without the robot's own wxid its echoes would look like member messages: refuse rather than risk a loop.
    let bot = envelope.wxid.filter(|w| !w.is_empty()).ok_or(ParseError::Missing("Wxid"))?;
    let account_id = envelope.appid.filter(|a| !a.is_empty()).ok_or(ParseError::Missing("Appid"))?;
    let created_at = match data.create_time {
        None => 0,
        Some(t) if (0..=MAX_CREATE_TIME).contains(&t) => t,
        Some(_) => return Err(ParseError::OutOfRange("CreateTime")),
    };
    let msg_type = data.msg_type.unwrap_or(0);
    let msg_source = data.msg_source.unwrap_or_default();
    let push_content = data.push_content.filter(|p| !p.is_empty());

    // G1, G2
    let is_self = data.from == bot;
    let (conversation_id, conversation) = if data.from.ends_with(CHATROOM_SUFFIX) {
        (data.from.clone(), ConversationKind::Group)
    } else if data.to.ends_with(CHATROOM_SUFFIX) {
        (data.to.clone(), ConversationKind::Group)
    } else if is_self {
        (data.to.clone(), ConversationKind::Direct)
    } else {
        (data.from.clone(), ConversationKind::Direct)
    };

    // G3
    let (sender_id, body) = match (conversation, is_self) {
        (_, true) => (Some(bot.clone()), data.content.as_str()),
        (ConversationKind::Direct, false) => (Some(data.from.clone()), data.content.as_str()),
        (ConversationKind::Group, false) => match split_sender(&data.content) {
            Some((prefix, rest)) if prefix.ends_with(CHATROOM_SUFFIX) => (None, rest),
            Some((prefix, rest)) => (Some(prefix.to_string()), rest),
            None => (None, data.content.as_str()),
        },
    };

    // G4
    let (mentions, has_atuserlist) = at_user_list(&msg_source);
    let mentions_bot = if has_atuserlist {
        mentions.contains(&bot)
    } else {
        push_content.as_deref().is_some_and(|p| p.contains(text::MENTIONED_YOU))
    };
    let mentions_all = mentions.iter().any(|m| m == MENTION_ALL);

    // G5, G10, §1.6–1.8
    let (kind, text) = classify(msg_type, body, bot_nickname);

    // G9
    let ignorable = [sender_id.as_deref(), Some(data.from.as_str())].into_iter().flatten().any(is_non_user)
        || msg_source.contains("<tips>3</tips>")
        || msg_source.contains("<bizmsgfromuser>");

    let sender_name = match (&sender_id, is_self) {
        (Some(_), false) => push_content.as_deref().and_then(nick_from_push_content),
        _ => None,
    };

    let mut inbound = Inbound {
        dedupe_key: format!("{account_id}:{native_id}"),
        account_id,
        bot_id: bot,
        native_id,
        conversation_id,
        conversation,
        sender_id,
        sender_name,
        is_self,
        mentions,
        mentions_bot,
        mentions_all,
        kind,
        text,
        raw_text: data.content,
        created_at,
        ignorable,
        reply_handle: None,
    };
    super::friend::apply(&mut inbound, msg_type, &data.from);
    Ok(inbound)
}

/// Splits `"<sender>:\n<body>"` at the first `":\n"`. A prefix that cannot be an id (empty, whitespace, markup)
/// means there is no prefix.
fn split_sender(content: &str) -> Option<(&str, &str)> {
    let (prefix, rest) = content.split_once(":\n")?;
    let plausible = !prefix.is_empty()
        && prefix.chars().count() <= 64
        && !prefix.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"'));
    plausible.then_some((prefix, rest))
}

fn is_non_user(wxid: &str) -> bool {
    wxid.starts_with("gh_") || NON_USER_SENDERS.contains(&wxid)
}

/// The ids in `<msgsource><atuserlist>`, and whether the element exists at all.
fn at_user_list(msg_source: &str) -> (Vec<String>, bool) {
    if !msg_source.contains("<atuserlist") {
        return (Vec::new(), false);
    }
    let list = match xml::xml_start(msg_source).map(xml::parse) {
        Some(Ok(root)) => root.find("atuserlist").map(|el| el.text.clone()),
        _ => raw_at_user_list(msg_source),
    };
    let Some(list) = list else { return (Vec::new(), false) };
    let mut seen = HashSet::new();
    let ids =
        list.split(',').map(str::trim).filter(|id| !id.is_empty() && seen.insert(*id)).map(str::to_string).collect();
    (ids, true)
}

/// Reads `<atuserlist>` out of a `MsgSource` the XML parser refused (the element is simple enough).
fn raw_at_user_list(msg_source: &str) -> Option<String> {
    if msg_source.contains("<atuserlist/>") || msg_source.contains("<atuserlist />") {
        return Some(String::new());
    }
    let start = msg_source.find("<atuserlist>")? + "<atuserlist>".len();
    let len = msg_source[start..].find("</atuserlist>")?;
    let inner = msg_source[start..start + len].trim();
    let inner = inner.strip_prefix("<![CDATA[").and_then(|s| s.strip_suffix("]]>")).unwrap_or(inner);
    Some(inner.to_string())
}

/// `"<nick> : <text>"` or `"<nick>在群聊中@了你"` → the nick.
fn nick_from_push_content(push: &str) -> Option<String> {
    let nick = match push.split_once(" : ") {
        Some((nick, _)) => nick,
        None => push.strip_suffix(text::MENTIONED_YOU)?,
    };
    let nick = nick.trim();
    (!nick.is_empty() && nick.chars().count() <= 64).then(|| nick.to_string())
}

/// Kind and `text` for one message body (the content after any group prefix).
fn classify(msg_type: i64, body: &str, bot_nickname: &str) -> (InboundKind, String) {
    let xml_text = || xml::xml_start(body).unwrap_or(body).trim().to_string();
    match msg_type {
        1 => (InboundKind::Text, strip_mentions(body, bot_nickname)),
        3 => (InboundKind::Image, xml_text()),
        49 => match card(body) {
            Some(InboundKind::Quote { text }) => {
                let text = strip_mentions(&text, bot_nickname);
                (InboundKind::Quote { text: text.clone() }, text)
            }
            Some(kind) => (kind, xml_text()),
            None => (InboundKind::Other { code: 49 }, xml_text()),
        },
        10000 => (InboundKind::System, body.trim().to_string()),
        10002 => (sysmsg(body).unwrap_or(InboundKind::Other { code: 10002 }), xml_text()),
        code => (InboundKind::Other { code }, xml_text()),
    }
}

/// Removes `@name\u{2005}` mentions (and `@<bot nickname>` followed by a plain space or the end), then trims
/// (rule G5).
pub(super) fn strip_mentions(body: &str, bot_nickname: &str) -> String {
    let bot_mention = (!bot_nickname.is_empty()).then(|| format!("@{bot_nickname}"));
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(len) = mention_len(after) {
            rest = &after[len..];
            continue;
        }
        if let Some(bot) = &bot_mention
            && let Some(tail) = rest[at..].strip_prefix(bot.as_str())
            && (tail.is_empty() || tail.starts_with(' '))
        {
            rest = tail.strip_prefix(' ').unwrap_or(tail);
            continue;
        }
        out.push('@');
        rest = after;
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// For text following an `@`: the byte length of `name\u{2005}` when it is a mention, else `None`.
fn mention_len(after: &str) -> Option<usize> {
    for (count, (i, c)) in after.char_indices().enumerate() {
        if c == MENTION_END {
            return (count >= 1).then_some(i + c.len_utf8());
        }
        if c == '@' || count >= MENTION_MAX_CHARS {
            return None;
        }
    }
    None
}

/// A share card's `<msg><appmsg>` (MsgType 49, §1.7; junk such as a group prefix before the XML is skipped), as
/// typed fields: a link card (type 5), a mini-program card (33, 36) or a quote (57, its new text as written).
/// A card of another type is `Other { code: 49 }`; `None` when the XML does not parse.
pub fn card(body: &str) -> Option<InboundKind> {
    let start = ["<?xml", "<msg", "<appmsg"].iter().filter_map(|m| body.find(m)).min()?;
    let root = xml::parse(&body[start..]).ok()?;
    let app = if root.name == "appmsg" { &root } else { root.child("appmsg")? };
    let title = app.text_at(&["title"]).to_string();
    Some(match app.text_at(&["type"]) {
        "5" => {
            InboundKind::Link { url: app.text_at(&["url"]).to_string(), title, desc: app.text_at(&["des"]).to_string() }
        }
        "33" | "36" => InboundKind::MiniProgram {
            appid: app.text_at(&["weappinfo", "appid"]).to_string(),
            username: app.text_at(&["weappinfo", "username"]).to_string(),
            pagepath: app.text_at(&["weappinfo", "pagepath"]).to_string(),
            title,
        },
        "57" => InboundKind::Quote { text: title },
        _ => InboundKind::Other { code: 49 },
    })
}

/// `<sysmsg>` (MsgType 10002, §1.8); `None` when it does not parse.
fn sysmsg(body: &str) -> Option<InboundKind> {
    let root = xml::parse(xml::xml_start(body)?).ok()?;
    if root.name != "sysmsg" {
        return None;
    }
    if root.attr("type") != Some("sysmsgtemplate") {
        return Some(InboundKind::System);
    }
    let Some(content) = root.path(&["sysmsgtemplate", "content_template"]) else {
        return Some(InboundKind::System);
    };
    let template = content.text_at(&["template"]);
    if template.contains(text::INVITED_YOU) {
        return Some(InboundKind::BotInvited);
    }
    let is_join = text::JOINED.iter().any(|t| template.contains(t));
    // `你将"$kickoutname$"移出了群聊` (the robot removed them) or `"$username$"将"$kickoutname$"移出了群聊` (an
    // admin did); `你被…移出群聊` is the robot itself being removed.
    let is_removal = template.contains(text::REMOVED) && !template.starts_with(text::YOU_WERE);
    if !is_join && !is_removal {
        return Some(InboundKind::System);
    }
    let members = |link_name: &str| -> Vec<MemberRef> {
        content
            .path(&["link_list"])
            .into_iter()
            .flat_map(|list| list.children_named("link"))
            .filter(|link| link.attr("name") == Some(link_name))
            .flat_map(|link| link.path(&["memberlist"]).into_iter().flat_map(|ml| ml.children_named("member")))
            .filter_map(member_ref)
            .collect()
    };
    if is_removal {
        let removed = members("kickoutname");
        if removed.is_empty() {
            return Some(InboundKind::System);
        }
        let by = members("username").into_iter().next();
        return Some(InboundKind::Removed { by, removed });
    }
    let mut joined = members("names");
    if joined.is_empty() {
        // QR-code joins name the newcomer `adder` and the sharer `from`.
        joined = members("adder");
    }
    if joined.is_empty() {
        return Some(InboundKind::System);
    }
    let inviter = members("username").into_iter().next().or_else(|| members("from").into_iter().next());
    Some(InboundKind::Join { inviter, joined })
}

fn member_ref(member: &Element) -> Option<MemberRef> {
    let wxid = member.text_at(&["username"]);
    if wxid.is_empty() {
        return None;
    }
    let nickname = member.text_at(&["nickname"]);
    Some(MemberRef { wxid: wxid.to_string(), nickname: (!nickname.is_empty()).then(|| nickname.to_string()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    const BOT: &str = "wxid_dealbot01";
    const APPID: &str = "wx_Q7mZ2kP9rT4vX8bN1cD3e";
    const ROOM: &str = "20931457718@chatroom";

    /// The §1.4 example, verbatim.
    const SPEC_EXAMPLE: &str = r#"{
      "TypeName": "AddMsg",
      "Appid": "wx_Q7mZ2kP9rT4vX8bN1cD3e",
      "Wxid": "wxid_dealbot01",
      "Data": {
        "MsgId": 702115583,
        "FromUserName": {"string": "20931457718@chatroom"},
        "ToUserName": {"string": "wxid_dealbot01"},
        "MsgType": 1,
        "Content": {"string": "wxid_m3mb3r77:\n@省钱小助手\u2005https://u.jd.com/Qm7Zt2K 这个能返多少"},
        "Status": 3,
        "ImgStatus": 1,
        "ImgBuf": {"iLen": 0},
        "CreateTime": 1735689600,
        "MsgSource": "<msgsource>\n\t<atuserlist><![CDATA[,wxid_dealbot01]]></atuserlist>\n\t<silence>0</silence>\n\t<membercount>212</membercount>\n\t<signature>v1_Zk3Lm9Qa</signature>\n\t<tmp_node>\n\t\t<publisher-id></publisher-id>\n\t</tmp_node>\n</msgsource>\n",
        "PushContent": "阿明在群聊中@了你",
        "NewMsgId": 7012345678901234567,
        "MsgSeq": 812345678
      }
    }"#;

    /// An AddMsg body with the given `Data` fields overriding a plain group text from `wxid_m3mb3r77`.
    fn add_msg(overrides: Value) -> Vec<u8> {
        let mut data = json!({
            "MsgId": 1,
            "FromUserName": {"string": ROOM},
            "ToUserName": {"string": BOT},
            "MsgType": 1,
            "Content": {"string": "wxid_m3mb3r77:\nhello"},
            "CreateTime": 1735689600,
            "MsgSource": "<msgsource><membercount>3</membercount></msgsource>",
            "PushContent": "阿明 : hello",
            "NewMsgId": 7012345678901234567u64,
        });
        if let (Some(data), Some(over)) = (data.as_object_mut(), overrides.as_object()) {
            for (k, v) in over {
                if v.is_null() {
                    data.remove(k);
                } else {
                    data.insert(k.clone(), v.clone());
                }
            }
        }
        serde_json::to_vec(&json!({"TypeName": "AddMsg", "Appid": APPID, "Wxid": BOT, "Data": data})).unwrap()
    }

    fn message(body: &[u8]) -> Inbound {
        match parse_callback(body, "省钱小助手") {
            Ok(GeweEvent::Message(m)) => *m,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    fn group_content(body: &str) -> Value {
        json!({"string": format!("wxid_m3mb3r77:\n{body}")})
    }

    #[test]
    fn normalizes_the_spec_example_exactly() {
        let m = message(SPEC_EXAMPLE.as_bytes());
        assert_eq!(
            m,
            Inbound {
                account_id: APPID.into(),
                bot_id: BOT.into(),
                native_id: "7012345678901234567".into(),
                dedupe_key: "wx_Q7mZ2kP9rT4vX8bN1cD3e:7012345678901234567".into(),
                conversation_id: ROOM.into(),
                conversation: ConversationKind::Group,
                sender_id: Some("wxid_m3mb3r77".into()),
                sender_name: Some("阿明".into()),
                is_self: false,
                mentions: vec![BOT.into()],
                mentions_bot: true,
                mentions_all: false,
                kind: InboundKind::Text,
                text: "https://u.jd.com/Qm7Zt2K 这个能返多少".into(),
                raw_text: "wxid_m3mb3r77:\n@省钱小助手\u{2005}https://u.jd.com/Qm7Zt2K 这个能返多少".into(),
                created_at: 1735689600,
                ignorable: false,
                reply_handle: None,
            }
        );
    }

    #[test]
    fn g1_messages_from_the_bot_are_self_sent() {
        let m = message(&add_msg(json!({
            "FromUserName": {"string": BOT}, "ToUserName": {"string": ROOM},
            "Content": {"string": "@阿明\u{2005}券后 29.9 元"}, "PushContent": null,
        })));
        assert!(m.is_self);
        assert_eq!(m.sender_id.as_deref(), Some(BOT));
        assert_eq!(m.sender_name, None);
        assert_eq!(m.text, "券后 29.9 元");
    }

    #[test]
    fn g2_self_sent_group_echo_is_a_group_message_of_the_room() {
        let m = message(&add_msg(json!({"FromUserName": {"string": BOT}, "ToUserName": {"string": ROOM}})));
        assert_eq!(m.conversation, ConversationKind::Group);
        assert_eq!(m.conversation_id, ROOM);
    }

    #[test]
    fn g2_direct_chats_use_the_peer() {
        let inbound = message(&add_msg(json!({
            "FromUserName": {"string": "wxid_peer"}, "Content": {"string": "hi: there\nok"},
        })));
        assert_eq!(inbound.conversation, ConversationKind::Direct);
        assert_eq!(inbound.conversation_id, "wxid_peer");
        assert_eq!(inbound.sender_id.as_deref(), Some("wxid_peer"));
        assert_eq!(inbound.text, "hi: there\nok");

        let echo = message(&add_msg(json!({
            "FromUserName": {"string": BOT}, "ToUserName": {"string": "wxid_peer"},
        })));
        assert_eq!(echo.conversation, ConversationKind::Direct);
        assert_eq!(echo.conversation_id, "wxid_peer");
    }

    #[test]
    fn g3_splits_the_sender_prefix_at_the_first_colon_newline_only() {
        let m = message(&add_msg(json!({
            "Content": {"string": "wxid_m3mb3r77:\nhttps://a.example/x?y=1:\nsecond line"},
        })));
        assert_eq!(m.sender_id.as_deref(), Some("wxid_m3mb3r77"));
        assert_eq!(m.text, "https://a.example/x?y=1:\nsecond line");
    }

    #[test]
    fn g3_no_prefix_or_a_room_prefix_means_no_member_sender() {
        let m = message(&add_msg(json!({"Content": {"string": "看这个 https://x.example/a:b"}})));
        assert_eq!(m.sender_id, None);
        assert_eq!(m.text, "看这个 https://x.example/a:b");

        let m = message(&add_msg(json!({
            "MsgType": 10002,
            "Content": {"string": format!("{ROOM}:\n<sysmsg type=\"pat\"><pat/></sysmsg>")},
        })));
        assert_eq!(m.sender_id, None);
        assert_eq!(m.kind, InboundKind::System);
    }

    #[test]
    fn g4_mentions_with_leading_comma_and_notify_all() {
        let m = message(&add_msg(json!({
            "MsgSource": "<msgsource><atuserlist>,wxid_a, notify@all ,,wxid_a</atuserlist></msgsource>",
            "Content": group_content("@所有人\u{2005}上新了"),
        })));
        assert_eq!(m.mentions, vec!["wxid_a".to_string(), "notify@all".to_string()]);
        assert!(m.mentions_all);
        assert!(!m.mentions_bot);
        assert_eq!(m.text, "上新了");
    }

    #[test]
    fn g4_atuserlist_is_authoritative_over_push_content() {
        let m = message(&add_msg(json!({
            "MsgSource": "<msgsource><atuserlist><![CDATA[wxid_other]]></atuserlist></msgsource>",
            "PushContent": "阿明在群聊中@了你",
        })));
        assert!(!m.mentions_bot);
        let m = message(&add_msg(json!({
            "MsgSource": "<msgsource><atuserlist/></msgsource>", "PushContent": "阿明在群聊中@了你",
        })));
        assert!(!m.mentions_bot);
        assert!(m.mentions.is_empty());
    }

    #[test]
    fn g4_falls_back_to_push_content_without_atuserlist() {
        let m = message(&add_msg(json!({"MsgSource": null, "PushContent": "阿明在群聊中@了你"})));
        assert!(m.mentions_bot);
        assert_eq!(m.sender_name.as_deref(), Some("阿明"));
        let m = message(&add_msg(json!({"MsgSource": "<msgsource></msgsource>"})));
        assert!(!m.mentions_bot);
    }

    #[test]
    fn g4_reads_atuserlist_from_a_malformed_msgsource() {
        let m = message(&add_msg(json!({
            "MsgSource": "<msgsource><atuserlist><![CDATA[,wxid_dealbot01]]></atuserlist><broken></msgsource>",
        })));
        assert!(m.mentions_bot);
    }

    #[test]
    fn g5_strips_every_mention_and_the_bot_name_with_a_plain_space() {
        assert_eq!(strip_mentions("@阿明\u{2005}@小红\u{2005}帮助", ""), "帮助");
        assert_eq!(strip_mentions("@省钱小助手 帮助", "省钱小助手"), "帮助");
        assert_eq!(strip_mentions("帮助 @省钱小助手", "省钱小助手"), "帮助");
        assert_eq!(strip_mentions("mail a@b.com now", "省钱小助手"), "mail a@b.com now");
        assert_eq!(strip_mentions("@@阿明\u{2005}x", ""), "@x");
        let long = format!("@{}\u{2005}x", "名".repeat(33));
        assert_eq!(strip_mentions(&long, ""), long.trim());
        let max = format!("@{}\u{2005}x", "名".repeat(32));
        assert_eq!(strip_mentions(&max, ""), "x");
        let m = message(&add_msg(json!({"Content": group_content("@省钱小助手 帮助")})));
        assert_eq!(m.text, "帮助");
        assert_eq!(m.raw_text, "wxid_m3mb3r77:\n@省钱小助手 帮助");
    }

    #[test]
    fn g6_new_msg_id_as_number_and_as_string_give_the_same_text() {
        for id in [json!(7012345678901234567u64), json!("7012345678901234567"), json!(" 7012345678901234567 ")] {
            let m = message(&add_msg(json!({"NewMsgId": id})));
            assert_eq!(m.native_id, "7012345678901234567");
        }
        // The f64 route would have produced 7012345678901234688.
        let m = message(br#"{"TypeName":"AddMsg","Appid":"a","Wxid":"b","Data":{"NewMsgId":7012345678901234567}}"#);
        assert_eq!(m.native_id, "7012345678901234567");
    }

    #[test]
    fn g6_rejects_lossy_or_bogus_ids() {
        for id in [json!(7.012345678901235e18), json!("12ab"), json!(-5), json!(""), json!({"x": 1}), json!(true)] {
            assert!(matches!(parse_callback(&add_msg(json!({"NewMsgId": id})), ""), Err(ParseError::Json(_))), "{id}");
        }
        let too_big = br#"{"TypeName":"AddMsg","Appid":"a","Wxid":"b","Data":{"NewMsgId":18446744073709551616}}"#;
        assert!(matches!(parse_callback(too_big, ""), Err(ParseError::Json(_))));
        assert!(matches!(parse_callback(&add_msg(json!({"NewMsgId": 0})), ""), Err(ParseError::Missing("NewMsgId"))));
    }

    #[test]
    fn g7_dedupe_key_is_appid_colon_new_msg_id() {
        let m = message(&add_msg(json!({"NewMsgId": "9007199254740993"})));
        assert_eq!(m.dedupe_key, format!("{APPID}:9007199254740993"));
    }

    #[test]
    fn created_at_is_create_time() {
        assert_eq!(message(&add_msg(json!({"CreateTime": 1700000000}))).created_at, 1700000000);
        assert_eq!(message(&add_msg(json!({"CreateTime": null}))).created_at, 0);
    }

    #[test]
    fn create_time_out_of_range_is_refused_not_wrapped() {
        for t in [json!(-1), json!(i64::MIN), json!(i64::MAX), json!(MAX_CREATE_TIME + 1)] {
            let r = parse_callback(&add_msg(json!({"CreateTime": t})), "");
            assert!(matches!(r, Err(ParseError::OutOfRange("CreateTime"))), "{t}: {r:?}");
        }
        let huge =
            br#"{"TypeName":"AddMsg","Appid":"a","Wxid":"b","Data":{"NewMsgId":1,"CreateTime":18446744073709551615}}"#;
        assert!(parse_callback(huge, "").is_err());
        assert_eq!(message(&add_msg(json!({"CreateTime": MAX_CREATE_TIME}))).created_at, MAX_CREATE_TIME);
    }

    #[test]
    fn duplicate_mentions_are_kept_once_in_order() {
        let src = "<msgsource><atuserlist>,wxid_b,wxid_a,wxid_b, wxid_a ,notify@all</atuserlist></msgsource>";
        let m = message(&add_msg(json!({"MsgSource": src})));
        assert_eq!(m.mentions, vec!["wxid_b", "wxid_a", "notify@all"]);
    }

    #[test]
    fn g9_non_user_senders_and_tips_are_ignorable() {
        for sender in ["gh_abc123", "weixin", "Tencent-Games", "filehelper"] {
            let direct = message(&add_msg(json!({"FromUserName": {"string": sender}})));
            assert!(direct.ignorable, "{sender}");
            let in_group = message(&add_msg(json!({"Content": {"string": format!("{sender}:\nhi")}})));
            assert!(in_group.ignorable, "{sender}");
        }
        let tips = message(&add_msg(json!({"MsgSource": "<msgsource><tips>3</tips></msgsource>"})));
        assert!(tips.ignorable);
        let biz = message(&add_msg(json!({"MsgSource": "<msgsource><bizmsgfromuser>x</bizmsgfromuser></msgsource>"})));
        assert!(biz.ignorable);
        assert!(!message(&add_msg(json!({}))).ignorable);
    }

    const CARD: &str = "<?xml version=\"1.0\"?>\n<msg>\n\t<appmsg appid=\"\" sdkver=\"0\">\n\t\t<title>【京东】加厚抽纸24包</title>\n\t\t<des>京东价 ¥39.90</des>\n\t\t<type>5</type>\n\t\t<url>https://item.m.jd.com/product/100056781234.html?utm_source=share&amp;utm_medium=weixin</url>\n\t\t<thumburl>https://img10.360buyimg.com/n1/example.jpg</thumburl>\n\t</appmsg>\n\t<fromusername>wxid_m3mb3r77</fromusername>\n</msg>";

    #[test]
    fn g10_link_card_is_parsed_with_entities_unescaped() {
        let m =
            message(&add_msg(json!({"MsgType": 49, "Content": group_content(CARD), "PushContent": "阿明 : [链接]"})));
        let url = "https://item.m.jd.com/product/100056781234.html?utm_source=share&utm_medium=weixin";
        assert_eq!(
            m.kind,
            InboundKind::Link {
                url: url.into(), title: "【京东】加厚抽纸24包".into(), desc: "京东价 ¥39.90".into()
            }
        );
        assert_eq!(m.text, CARD);
        assert_eq!(m.sender_id.as_deref(), Some("wxid_m3mb3r77"));
    }

    #[test]
    fn g10_junk_before_the_xml_is_skipped() {
        let m = message(&add_msg(json!({"MsgType": 49, "Content": group_content(&format!("\u{0}junk {CARD}"))})));
        assert!(matches!(m.kind, InboundKind::Link { .. }));
        assert_eq!(m.text, CARD);
    }

    #[test]
    fn g10_broken_xml_degrades_to_other() {
        let m = message(&add_msg(json!({"MsgType": 49, "Content": group_content("<msg><appmsg><type>5</type>")})));
        assert_eq!(m.kind, InboundKind::Other { code: 49 });
        let m = message(&add_msg(json!({"MsgType": 10002, "Content": group_content("<sysmsg")})));
        assert_eq!(m.kind, InboundKind::Other { code: 10002 });
    }

    #[test]
    fn mini_program_and_quote_cards() {
        let mini = "<msg><appmsg><title>拼多多 百亿补贴</title><type>33</type><weappinfo><pagepath><![CDATA[package_a/goods.html?goods_id=1]]></pagepath><username>gh_pdd@app</username><appid>wx32540bd863b27570</appid></weappinfo></appmsg></msg>";
        let m = message(&add_msg(json!({"MsgType": 49, "Content": group_content(mini)})));
        assert_eq!(
            m.kind,
            InboundKind::MiniProgram {
                appid: "wx32540bd863b27570".into(),
                username: "gh_pdd@app".into(),
                pagepath: "package_a/goods.html?goods_id=1".into(),
                title: "拼多多 百亿补贴".into(),
            }
        );

        let quote = "<msg><appmsg><title>@省钱小助手\u{2005}这个 https://u.jd.com/Qm7Zt2K 呢</title><type>57</type><refermsg><type>1</type><content>旧消息</content></refermsg></appmsg></msg>";
        let m = message(&add_msg(json!({"MsgType": 49, "Content": group_content(quote)})));
        assert_eq!(m.kind, InboundKind::Quote { text: "这个 https://u.jd.com/Qm7Zt2K 呢".into() });
        assert_eq!(m.text, "这个 https://u.jd.com/Qm7Zt2K 呢");

        let file = "<msg><appmsg><title>a.pdf</title><type>6</type></appmsg></msg>";
        assert_eq!(
            message(&add_msg(json!({"MsgType": 49, "Content": group_content(file)}))).kind,
            InboundKind::Other { code: 49 }
        );
    }

    fn join_xml(template: &str, links: &str) -> String {
        format!(
            "{ROOM}:\n<sysmsg type=\"sysmsgtemplate\">\n\t<sysmsgtemplate>\n\t\t<content_template type=\"tmpl_type_profile\">\n\t\t\t<plain><![CDATA[]]></plain>\n\t\t\t<template><![CDATA[{template}]]></template>\n\t\t\t<link_list>{links}</link_list>\n\t\t</content_template>\n\t</sysmsgtemplate>\n</sysmsg>"
        )
    }

    fn link(name: &str, members: &[(&str, &str)]) -> String {
        let members: String = members
            .iter()
            .map(|(w, n)| {
                format!("<member><username><![CDATA[{w}]]></username><nickname><![CDATA[{n}]]></nickname></member>")
            })
            .collect();
        format!(
            "<link name=\"{name}\" type=\"link_profile\"><memberlist>{members}</memberlist><separator><![CDATA[、]]></separator></link>"
        )
    }

    #[test]
    fn join_sysmsg_gives_the_inviter_and_every_joined_member() {
        let links = link("username", &[("wxid_inviter", "阿明")])
            + &link("names", &[("wxid_new1", "小红"), ("wxid_new2", "小刚")]);
        let content = join_xml("\"$username$\"邀请\"$names$\"加入了群聊", &links);
        let m = message(&add_msg(json!({"MsgType": 10002, "Content": {"string": content}, "PushContent": null})));
        assert_eq!(
            m.kind,
            InboundKind::Join {
                inviter: Some(MemberRef { wxid: "wxid_inviter".into(), nickname: Some("阿明".into()) }),
                joined: vec![
                    MemberRef { wxid: "wxid_new1".into(), nickname: Some("小红".into()) },
                    MemberRef { wxid: "wxid_new2".into(), nickname: Some("小刚".into()) },
                ],
            }
        );
        assert_eq!(m.sender_id, None);
        assert_eq!(m.conversation_id, ROOM);
    }

    #[test]
    fn qr_code_join_uses_adder_and_from() {
        let links = link("adder", &[("wxid_new", "小红")]) + &link("from", &[("wxid_sharer", "阿明")]);
        let content = join_xml("\"$adder$\"通过扫描\"$from$\"分享的二维码加入群聊", &links);
        let m = message(&add_msg(json!({"MsgType": 10002, "Content": {"string": content}})));
        let InboundKind::Join { inviter, joined } = m.kind else { panic!("{:?}", m.kind) };
        assert_eq!(inviter.map(|i| i.wxid).as_deref(), Some("wxid_sharer"));
        assert_eq!(joined.len(), 1);
        assert_eq!(joined[0].wxid, "wxid_new");
    }

    #[test]
    fn removal_sysmsg_gives_who_was_removed_and_by_whom() {
        let content = join_xml("你将\"$kickoutname$\"移出了群聊", &link("kickoutname", &[("wxid_gone", "小红")]));
        let m = message(&add_msg(json!({"MsgType": 10002, "Content": {"string": content}})));
        let gone = MemberRef { wxid: "wxid_gone".into(), nickname: Some("小红".into()) };
        assert_eq!(m.kind, InboundKind::Removed { by: None, removed: vec![gone.clone()] });
        let links = link("username", &[("wxid_admin", "阿明")]) + &link("kickoutname", &[("wxid_gone", "小红")]);
        let content = join_xml("\"$username$\"将\"$kickoutname$\"移出了群聊", &links);
        let m = message(&add_msg(json!({"MsgType": 10002, "Content": {"string": content}})));
        let admin = MemberRef { wxid: "wxid_admin".into(), nickname: Some("阿明".into()) };
        assert_eq!(m.kind, InboundKind::Removed { by: Some(admin), removed: vec![gone] });
        // The robot itself removed, or a removal naming nobody: nothing to note.
        let content = join_xml("你被\"$username$\"移出群聊", &link("username", &[("wxid_admin", "阿明")]));
        let m = message(&add_msg(json!({"MsgType": 10002, "Content": {"string": content}})));
        assert_eq!(m.kind, InboundKind::System);
        let m = message(&add_msg(
            json!({"MsgType": 10002, "Content": {"string": join_xml("你将\"$kickoutname$\"移出了群聊", "")}}),
        ));
        assert_eq!(m.kind, InboundKind::System);
    }

    #[test]
    fn bot_invited_and_other_sysmsgs() {
        let content = join_xml(
            "\"$username$\"邀请你加入了群聊，群聊参与人还有：$others$",
            &link("username", &[("wxid_inviter", "阿明")]),
        );
        let m = message(&add_msg(json!({"MsgType": 10002, "Content": {"string": content}})));
        assert_eq!(m.kind, InboundKind::BotInvited);

        let revoke = format!(
            "{ROOM}:\n<sysmsg type=\"revokemsg\"><revokemsg><session>{ROOM}</session><newmsgid>1</newmsgid><replacemsg><![CDATA[\"阿明\" 撤回了一条消息]]></replacemsg></revokemsg></sysmsg>"
        );
        let m = message(&add_msg(json!({"MsgType": 10002, "Content": {"string": revoke}})));
        assert_eq!(m.kind, InboundKind::System);

        let pat = format!("{ROOM}:\n<sysmsg type=\"pat\"><pat><fromusername>wxid_a</fromusername></pat></sysmsg>");
        assert_eq!(message(&add_msg(json!({"MsgType": 10002, "Content": {"string": pat}}))).kind, InboundKind::System);

        let ten_k = message(&add_msg(json!({"MsgType": 10000, "Content": {"string": "你已成为新群主"}})));
        assert_eq!(ten_k.kind, InboundKind::System);
        assert_eq!(ten_k.text, "你已成为新群主");
    }

    #[test]
    fn other_message_types_keep_their_code() {
        let img = "<?xml version=\"1.0\"?><msg><img aeskey=\"k\" length=\"1\"/></msg>";
        let m = message(&add_msg(json!({"MsgType": 3, "Content": group_content(img)})));
        assert_eq!(m.kind, InboundKind::Image);
        assert_eq!(m.text, img);
        for code in [34, 37, 42, 43, 47, 48, 51] {
            assert_eq!(message(&add_msg(json!({"MsgType": code}))).kind, InboundKind::Other { code });
        }
    }

    #[test]
    fn sender_name_comes_from_push_content() {
        assert_eq!(message(&add_msg(json!({"PushContent": "阿明 : hello"}))).sender_name.as_deref(), Some("阿明"));
        assert_eq!(message(&add_msg(json!({"PushContent": null}))).sender_name, None);
        assert_eq!(message(&add_msg(json!({"PushContent": "有人@了你"}))).sender_name, None);
    }

    #[test]
    fn wrapped_strings_tolerate_empty_objects_and_nulls() {
        let m = message(&add_msg(json!({"ToUserName": {}, "Content": {"string": null}})));
        assert_eq!(m.text, "");
        let m = message(&add_msg(json!({"Content": "wxid_m3mb3r77:\nplain"})));
        assert_eq!(m.text, "plain");
    }

    #[test]
    fn envelope_types() {
        assert!(matches!(
            parse_callback(br#"{"TypeName":"Offline","Appid":"a","Wxid":"b"}"#, ""),
            Ok(GeweEvent::Offline)
        ));
        assert!(matches!(
            parse_callback(br#"{"TypeName":"ModContacts","Appid":"a","Data":{"UserName":{}}}"#, ""),
            Ok(GeweEvent::ContactsChanged)
        ));
        assert!(matches!(
            parse_callback(br#"{"TypeName":"DelContacts","Data":{"UserName":{"string":"1@chatroom"}}}"#, ""),
            Ok(GeweEvent::ContactsDeleted { wxid: Some(w) }) if w == "1@chatroom"
        ));
        assert!(matches!(
            parse_callback(br#"{"TypeName":"DelContacts","Data":{"UserName":{}}}"#, ""),
            Ok(GeweEvent::ContactsDeleted { wxid: None })
        ));
        assert!(matches!(
            parse_callback("{\"testMsg\":\"回调地址链接成功！\",\"token\":\"t\"}".as_bytes(), ""),
            Ok(GeweEvent::CallbackTest)
        ));
        assert!(matches!(
            parse_callback(br#"{"TypeName":"FriendRequest"}"#, ""),
            Err(ParseError::UnknownType(t)) if t == "FriendRequest"
        ));
    }

    #[test]
    fn malformed_and_incomplete_bodies_are_errors() {
        for body in [&b""[..], b"not json", b"[1,2]", b"{\"TypeName\":", b"\"AddMsg\"", b"{\"TypeName\":5}"] {
            assert!(matches!(parse_callback(body, ""), Err(ParseError::Json(_))), "{body:?}");
        }
        assert!(matches!(parse_callback(b"{}", ""), Err(ParseError::Missing("TypeName"))));
        assert!(matches!(
            parse_callback(br#"{"TypeName":"AddMsg","Appid":"a","Wxid":"b"}"#, ""),
            Err(ParseError::Missing("Data"))
        ));
        assert!(matches!(
            parse_callback(&add_msg(json!({"NewMsgId": null})), ""),
            Err(ParseError::Missing("NewMsgId"))
        ));
        assert!(matches!(
            parse_callback(br#"{"TypeName":"AddMsg","Appid":"a","Data":{"NewMsgId":5}}"#, ""),
            Err(ParseError::Missing("Wxid"))
        ));
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".{0,40}".prop_map(Value::String),
            prop_oneof![
                Just("AddMsg"),
                Just("<msg><appmsg><type>5</type><url>x&amp;y</url></appmsg></msg>"),
                Just("wxid_a:\n@名\u{2005}"),
                Just("<msgsource><atuserlist><![CDATA[,a]]></atuserlist>"),
                Just("1@chatroom:\n<sysmsg type=\"sysmsgtemplate\">"),
            ]
            .prop_map(|s| Value::String(s.to_string())),
        ];
        leaf.prop_recursive(4, 48, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("TypeName".to_string()),
                        Just("Data".to_string()),
                        Just("string".to_string()),
                        Just("Content".to_string()),
                        Just("NewMsgId".to_string()),
                        Just("MsgType".to_string()),
                        Just("MsgSource".to_string()),
                        "[a-zA-Z]{1,8}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// AddMsg envelopes whose fields take arbitrary shapes.
    fn add_msg_shaped() -> impl Strategy<Value = Value> {
        (
            json_value(),
            json_value(),
            json_value(),
            json_value(),
            json_value(),
            prop_oneof![Just(1), Just(49), Just(10002), any::<i64>()],
        )
            .prop_map(|(from, content, source, push, id, msg_type)| {
                json!({
                    "TypeName": "AddMsg", "Appid": "a", "Wxid": "wxid_bot",
                    "Data": {
                        "FromUserName": {"string": from}, "ToUserName": {"string": "wxid_bot"},
                        "MsgType": msg_type, "Content": content, "MsgSource": source,
                        "PushContent": push, "NewMsgId": id,
                    }
                })
            })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_callback(&body, "省钱小助手");
        }

        #[test]
        fn arbitrary_json_never_panics(value in json_value()) {
            let _ = parse_callback(&serde_json::to_vec(&value).unwrap(), "省钱小助手");
        }

        #[test]
        fn arbitrary_add_msg_fields_never_panic(value in add_msg_shaped()) {
            let _ = parse_callback(&serde_json::to_vec(&value).unwrap(), "省钱小助手");
        }

        #[test]
        fn arbitrary_group_text_never_panics(
            text in "[a-z@:\n\u{2005} <>&;/.省钱小助手]{0,80}",
            nick in "[省钱小助手@ ]{0,6}",
        ) {
            let content = format!("wxid_a:\n{text}");
            for msg_type in [1, 3, 49, 10002] {
                let body = add_msg(json!({"MsgType": msg_type, "Content": {"string": content},
                    "MsgSource": format!("<msgsource><atuserlist>{text}</atuserlist></msgsource>")}));
                let _ = parse_callback(&body, &nick);
            }
        }
    }
}
