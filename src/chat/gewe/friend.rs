//! Friend requests: `AddMsg` with `MsgType` 37 from `fmessage`, whose `<msg …/>` attributes carry the requester and
//! the v3/v4 tickets that accepting needs (gewe-account spec §5.1).

use super::xml;
use crate::chat::{FriendRequest, Inbound, InboundKind};

/// The sender of friend requests.
pub(super) const FRIEND_REQUEST_SENDER: &str = "fmessage";
/// `MsgType` of a friend request.
pub(super) const FRIEND_REQUEST_TYPE: i64 = 37;
/// Longest wxid, nickname and ticket accepted; longer values are not a request we can act on.
const MAX_ID_CHARS: usize = 64;
const MAX_TICKET_CHARS: usize = 512;
/// The greeting is kept for the operator, cut to this length.
const MAX_GREETING_CHARS: usize = 200;

/// Reads a friend request out of the message body (`None` when it is not one or lacks what accepting needs).
pub(super) fn parse(body: &str) -> Option<FriendRequest> {
    let root = xml::parse(xml::xml_start(body)?).ok()?;
    let msg = root.find("msg")?;
    let id = |name: &str, max: usize| {
        msg.attr(name)
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.chars().count() <= max && !v.chars().any(char::is_whitespace))
            .map(str::to_string)
    };
    let wxid = id("fromusername", MAX_ID_CHARS)?;
    let v3 = id("encryptusername", MAX_TICKET_CHARS)?;
    let v4 = id("ticket", MAX_TICKET_CHARS)?;
    let nickname = msg
        .attr("fromnickname")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(MAX_ID_CHARS).collect());
    let greeting = msg.attr("content").unwrap_or("").trim().chars().take(MAX_GREETING_CHARS).collect();
    let scene = msg.attr("scene").and_then(|s| s.trim().parse::<i64>().ok()).filter(|s| (0..=1000).contains(s));
    let source_room = id("chatroomusername", MAX_ID_CHARS).filter(|r| r.ends_with("@chatroom"));
    Some(FriendRequest { wxid, nickname, greeting, v3, v4, scene: scene.unwrap_or(0), source_room })
}

/// Turns a parsed `fmessage` message into a friend request from the requester: the conversation and the sender
/// become the requester, so replies go to them. Anything else is left as it is.
pub(super) fn apply(msg: &mut Inbound, msg_type: i64, from: &str) {
    if msg_type != FRIEND_REQUEST_TYPE || from != FRIEND_REQUEST_SENDER || msg.is_self {
        return;
    }
    let Some(request) = parse(&msg.raw_text) else { return };
    msg.conversation_id = request.wxid.clone();
    msg.sender_id = Some(request.wxid.clone());
    msg.sender_name = request.nickname.clone();
    msg.text = request.greeting.clone();
    msg.kind = InboundKind::FriendRequest(request);
}

#[cfg(test)]
mod tests {
    use crate::chat::gewe::{GeweEvent, parse_callback};
    use crate::chat::{ConversationKind, InboundKind};

    /// The synthetic callback of gewe-account spec §5.1, verbatim.
    const SPEC_SAMPLE: &str = r#"{"TypeName":"AddMsg","Appid":"wx_Q7mZ2kP9rT4vX8bN1cD3e","Wxid":"wxid_dealbot01","Data":{"MsgId":1040300001,"FromUserName":{"string":"fmessage"},"ToUserName":{"string":"wxid_dealbot01"},"MsgType":37,"Content":{"string":"<msg fromusername=\"wxid_n3wfr13nd01\" encryptusername=\"v3_020b3826fd03010000000000aaaa0000000000000000000000000000000000000000000000000001@stranger\" fromnickname=\"小林\" content=\"我是小林，想进省钱群\" fullpy=\"xiaolin\" shortpy=\"XL\" imagestatus=\"3\" scene=\"6\" country=\"\" province=\"\" city=\"\" sign=\"\" percard=\"0\" sex=\"0\" alias=\"\" weibo=\"\" albumflag=\"0\" albumstyle=\"0\" albumbgimgid=\"\" snsflag=\"1\" snsbgimgid=\"\" snsbgobjectid=\"0\" mhash=\"\" mfullhash=\"\" bigheadimgurl=\"\" smallheadimgurl=\"\" ticket=\"v4_000b708f0b04000001000000000000000000000000000000000000000000000000000001@stranger\" opcode=\"2\" googlecontact=\"\" qrticket=\"\" chatroomusername=\"\" sourceusername=\"\" sourcenickname=\"\" sharecardusername=\"\" sharecardnickname=\"\" cardversion=\"\" extflag=\"0\"><brandlist count=\"0\" ver=\"0\"></brandlist></msg>"},"Status":3,"ImgStatus":1,"ImgBuf":{"iLen":0},"CreateTime":1735689600,"MsgSource":"<msgsource>\n\t<signature>v1_Sim0001</signature>\n</msgsource>\n","NewMsgId":7012345678901230037,"MsgSeq":640300001}}"#;

    fn message(body: &str) -> crate::chat::Inbound {
        match parse_callback(body.as_bytes(), "省钱小助手") {
            Ok(GeweEvent::Message(m)) => *m,
            other => panic!("not a message: {other:?}"),
        }
    }

    #[test]
    fn the_spec_sample_is_a_request_from_the_requester() {
        let m = message(SPEC_SAMPLE);
        let InboundKind::FriendRequest(r) = &m.kind else { panic!("not a friend request: {:?}", m.kind) };
        assert_eq!(r.wxid, "wxid_n3wfr13nd01");
        assert_eq!(r.nickname.as_deref(), Some("小林"));
        assert_eq!(r.greeting, "我是小林，想进省钱群");
        assert!(r.v3.starts_with("v3_020b") && r.v3.ends_with("0001@stranger"));
        assert!(r.v4.starts_with("v4_000b") && r.v4.ends_with("0001@stranger"));
        assert_eq!(r.scene, 6);
        assert_eq!(r.source_room, None);
        assert_eq!(m.conversation, ConversationKind::Direct);
        assert_eq!(m.conversation_id, "wxid_n3wfr13nd01");
        assert_eq!(m.sender_id.as_deref(), Some("wxid_n3wfr13nd01"));
        assert_eq!(m.sender_name.as_deref(), Some("小林"));
        assert_eq!(m.dedupe_key, "wx_Q7mZ2kP9rT4vX8bN1cD3e:7012345678901230037");
        assert!(!m.is_self && !m.ignorable);
    }

    #[test]
    fn escaped_attributes_and_a_source_group_are_read() {
        let body = SPEC_SAMPLE
            .replace("我是小林，想进省钱群", "A &amp; B &lt;3")
            .replace(r#"chatroomusername=\"\""#, r#"chatroomusername=\"45810326871@chatroom\""#);
        let InboundKind::FriendRequest(r) = message(&body).kind else { panic!("not a friend request") };
        assert_eq!(r.greeting, "A & B <3");
        assert_eq!(r.source_room.as_deref(), Some("45810326871@chatroom"));
    }

    #[test]
    fn a_request_without_tickets_or_from_someone_else_stays_other() {
        let no_ticket = SPEC_SAMPLE.replace("ticket=", "tacket=");
        assert_eq!(message(&no_ticket).kind, InboundKind::Other { code: 37 });
        let spoofed = SPEC_SAMPLE.replacen(r#"{"string":"fmessage"}"#, r#"{"string":"wxid_someone"}"#, 1);
        let m = message(&spoofed);
        assert_eq!(m.kind, InboundKind::Other { code: 37 });
        assert_eq!(m.conversation_id, "wxid_someone");
        let garbage = SPEC_SAMPLE.replace("<msg fromusername", "<msg <<fromusername");
        assert_eq!(message(&garbage).kind, InboundKind::Other { code: 37 });
    }
}
