//! Callback bodies in the gateway's wire shape (chat-gateways spec §1.3–1.8).

use super::{BotIdentity, Ids, LinkCard, text, unix_now};
use crate::chat::MemberRef;
use quick_xml::escape::escape;
use serde_json::{Value, json};

/// Who wrote a group message, and where.
pub(super) struct GroupMessage<'a> {
    pub room: &'a str,
    pub sender_wxid: &'a str,
    pub sender_nick: &'a str,
    pub member_count: usize,
}

/// What the robot sent, for its self-sent echo.
pub(super) enum Echo<'a> {
    Text { content: &'a str, ats: &'a [String] },
    Image { md5: &'a str, length: usize, width: u32, height: u32 },
    Link(&'a LinkCard),
}

/// A member's text message in a group.
pub(super) fn group_text(
    bot: &BotIdentity,
    msg: &GroupMessage<'_>,
    text: &str,
    mentions: &[String],
    ids: Ids,
) -> String {
    let push = if mentions.contains(&bot.wxid) {
        text::push_mentioned(msg.sender_nick)
    } else {
        format!("{} : {text}", msg.sender_nick)
    };
    let content = format!("{}:\n{text}", msg.sender_wxid);
    add_msg(bot, msg.room, &bot.wxid, 1, &content, &msg_source(mentions, msg.member_count), Some(&push), ids)
}

/// A member's text message to the robot in private chat: `FromUserName` is the member, no sender prefix.
pub(super) fn private_text(bot: &BotIdentity, sender_wxid: &str, sender_nick: &str, text: &str, ids: Ids) -> String {
    let push = format!("{sender_nick} : {text}");
    add_msg(bot, sender_wxid, &bot.wxid, 1, text, &msg_source(&[], 0), Some(&push), ids)
}

/// A member's shared link card (appmsg type 5) in a group.
pub(super) fn group_card(bot: &BotIdentity, msg: &GroupMessage<'_>, card: &LinkCard, ids: Ids) -> String {
    let content = format!("{}:\n{}", msg.sender_wxid, card_xml(card, msg.sender_wxid));
    let push = text::push_link(msg.sender_nick, &card.title);
    add_msg(bot, msg.room, &bot.wxid, 49, &content, &msg_source(&[], msg.member_count), Some(&push), ids)
}

/// The 10002 join sysmsg: `inviter` invited `joined`.
pub(super) fn join(bot: &BotIdentity, room: &str, inviter: &MemberRef, joined: &[MemberRef], ids: Ids) -> String {
    let joined_members: String = joined.iter().map(member).collect();
    let content = format!(
        "{room}:\n<sysmsg type=\"sysmsgtemplate\">\n\t<sysmsgtemplate>\n\t\t<content_template type=\"tmpl_type_profile\">\n\t\t\t<plain><![CDATA[]]></plain>\n\t\t\t<template><![CDATA[{join}]]></template>\n\t\t\t<link_list>\n\t\t\t\t<link name=\"username\" type=\"link_profile\">\n\t\t\t\t\t<memberlist>\n{}\t\t\t\t\t</memberlist>\n\t\t\t\t</link>\n\t\t\t\t<link name=\"names\" type=\"link_profile\">\n\t\t\t\t\t<memberlist>\n{joined_members}\t\t\t\t\t</memberlist>\n\t\t\t\t\t<separator><![CDATA[{separator}]]></separator>\n\t\t\t\t</link>\n\t\t\t</link_list>\n\t\t</content_template>\n\t</sysmsgtemplate>\n</sysmsg>\n",
        member(inviter),
        join = text::JOIN_TEMPLATE,
        separator = text::NAME_SEPARATOR,
    );
    add_msg(bot, room, &bot.wxid, 10002, &content, "", None, ids)
}

/// The 10002 removal sysmsg: `by` (`None`: the robot, `你将…`) removed `removed` from `room`. The template and its
/// `kickoutname` link follow the join sysmsg's shape (§1.8) **[UNVERIFIED]**: the spec documents only the
/// robot's own removal (§6.4).
pub(super) fn removal(
    bot: &BotIdentity,
    room: &str,
    by: Option<&MemberRef>,
    removed: &[MemberRef],
    ids: Ids,
) -> String {
    let link = |name: &str, members: String| {
        format!(
            "\t\t\t\t<link name=\"{name}\" type=\"link_profile\">\n\t\t\t\t\t<memberlist>\n{members}\t\t\t\t\t</memberlist>\n\t\t\t\t\t<separator><![CDATA[{separator}]]></separator>\n\t\t\t\t</link>\n",
            separator = text::NAME_SEPARATOR,
        )
    };
    let (template, remover) = match by {
        Some(b) => (text::REMOVAL_BY_MEMBER_TEMPLATE, link("username", member(b))),
        None => (text::REMOVAL_BY_ROBOT_TEMPLATE, String::new()),
    };
    let links = remover + &link("kickoutname", removed.iter().map(member).collect());
    let content = format!(
        "{room}:\n<sysmsg type=\"sysmsgtemplate\">\n\t<sysmsgtemplate>\n\t\t<content_template type=\"tmpl_type_profile\">\n\t\t\t<plain><![CDATA[]]></plain>\n\t\t\t<template><![CDATA[{template}]]></template>\n\t\t\t<link_list>\n{links}\t\t\t</link_list>\n\t\t</content_template>\n\t</sysmsgtemplate>\n</sysmsg>\n"
    );
    add_msg(bot, room, &bot.wxid, 10002, &content, "", None, ids)
}

/// One `<member>` of a sysmsg's member list.
fn member(m: &MemberRef) -> String {
    format!(
        "\t\t\t\t\t\t<member>\n\t\t\t\t\t\t\t<username><![CDATA[{}]]></username>\n\t\t\t\t\t\t\t<nickname><![CDATA[{}]]></nickname>\n\t\t\t\t\t\t</member>\n",
        cdata(&m.wxid),
        cdata(m.nickname.as_deref().unwrap_or(&m.wxid))
    )
}

/// The self-sent echo of a message the robot sent to `to` (a room or a peer).
pub(super) fn echo(bot: &BotIdentity, to: &str, sent: &Echo<'_>, ids: Ids) -> String {
    let (msg_type, content, source) = match sent {
        Echo::Text { content, ats } => (1, (*content).to_string(), msg_source(ats, 0)),
        Echo::Image { md5, length, width, height } => (3, image_xml(md5, *length, *width, *height), msg_source(&[], 0)),
        Echo::Link(card) => (49, card_xml(card, &bot.wxid), msg_source(&[], 0)),
    };
    add_msg(bot, &bot.wxid, to, msg_type, &content, &source, None, ids)
}

/// A member's image in a group (MsgType 3): the CDN XML of the uploaded file.
pub(super) fn group_image(bot: &BotIdentity, msg: &GroupMessage<'_>, md5: &str, length: usize, ids: Ids) -> String {
    let content = format!("{}:\n{}", msg.sender_wxid, image_xml(md5, length, 0, 0));
    let push = text::push_image(msg.sender_nick);
    add_msg(bot, msg.room, &bot.wxid, 3, &content, &msg_source(&[], msg.member_count), Some(&push), ids)
}

/// The `<msg><img …/></msg>` XML of an image on the CDN.
fn image_xml(md5: &str, length: usize, width: u32, height: u32) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<msg>\n\t<img aeskey=\"{key}\" encryver=\"1\" cdnthumbaeskey=\"{key}\" cdnthumburl=\"{fid}\" cdnthumblength=\"{length}\" cdnthumbheight=\"{height}\" cdnthumbwidth=\"{width}\" cdnmidheight=\"0\" cdnmidwidth=\"0\" cdnhdheight=\"0\" cdnhdwidth=\"0\" cdnmidimgurl=\"{fid}\" length=\"{length}\" md5=\"{md5}\" />\n</msg>\n",
        key = md5,
        fid = file_id(md5),
    )
}

/// `TypeName: Offline`.
pub(super) fn offline(bot: &BotIdentity) -> String {
    json!({"TypeName": "Offline", "Appid": bot.app_id, "Wxid": bot.wxid}).to_string()
}

/// The body `setCallback` posts to check the URL.
pub(super) fn callback_test(token: &str) -> String {
    json!({"testMsg": text::CALLBACK_TEST, "token": token}).to_string()
}

/// The CDN file id the gateway reports for an uploaded image.
pub(super) fn file_id(md5: &str) -> String {
    format!("3052020100044b30490201000204{md5}0204")
}

#[allow(clippy::too_many_arguments)]
fn add_msg(
    bot: &BotIdentity,
    from: &str,
    to: &str,
    msg_type: i64,
    content: &str,
    msg_source: &str,
    push_content: Option<&str>,
    ids: Ids,
) -> String {
    let mut data = json!({
        "MsgId": ids.msg_id,
        "FromUserName": {"string": from},
        "ToUserName": {"string": to},
        "MsgType": msg_type,
        "Content": {"string": content},
        "Status": 3,
        "ImgStatus": if msg_type == 3 { 2 } else { 1 },
        "ImgBuf": {"iLen": 0},
        "CreateTime": unix_now(),
        "MsgSource": msg_source,
        "NewMsgId": ids.new_msg_id,
        "MsgSeq": ids.msg_id.wrapping_add(100_000_000),
    });
    if let (Some(push), Some(obj)) = (push_content, data.as_object_mut()) {
        obj.insert("PushContent".into(), Value::String(push.to_string()));
    }
    json!({"TypeName": "AddMsg", "Appid": bot.app_id, "Wxid": bot.wxid, "Data": data}).to_string()
}

fn msg_source(mentions: &[String], member_count: usize) -> String {
    let at_list = if mentions.is_empty() {
        String::new()
    } else {
        format!("\t<atuserlist><![CDATA[,{}]]></atuserlist>\n", cdata(&mentions.join(",")))
    };
    let signature: String = (0..8).map(|_| char::from(b'a' + rand::random_range(0..26u8))).collect();
    format!(
        "<msgsource>\n{at_list}\t<silence>0</silence>\n\t<membercount>{member_count}</membercount>\n\t<signature>v1_{signature}</signature>\n\t<tmp_node>\n\t\t<publisher-id></publisher-id>\n\t</tmp_node>\n</msgsource>\n"
    )
}

fn card_xml(card: &LinkCard, from: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<msg>\n\t<appmsg appid=\"\" sdkver=\"0\">\n\t\t<title>{}</title>\n\t\t<des>{}</des>\n\t\t<type>5</type>\n\t\t<url>{}</url>\n\t\t<thumburl>{}</thumburl>\n\t</appmsg>\n\t<fromusername>{}</fromusername>\n\t<scene>0</scene>\n</msg>",
        escape(card.title.as_str()),
        escape(card.desc.as_str()),
        escape(card.url.as_str()),
        escape(card.thumb_url.as_str()),
        escape(from)
    )
}

/// Text safe inside `<![CDATA[…]]>`.
fn cdata(s: &str) -> String {
    s.replace("]]>", "]]]]><![CDATA[>")
}

/// A friend request (gewe-account spec §5.1): `AddMsg` 37 from `fmessage` whose `<msg …/>` attributes carry the
/// requester and the tickets.
pub(super) fn friend_request(bot: &BotIdentity, req: &super::contacts::FriendRequestSeen, ids: Ids) -> String {
    let attr = |s: &str| escape(s).into_owned();
    let content = format!(
        "<msg fromusername=\"{}\" encryptusername=\"{}\" fromnickname=\"{}\" content=\"{}\" fullpy=\"\" shortpy=\"\" \
         imagestatus=\"3\" scene=\"{}\" country=\"\" province=\"\" city=\"\" sign=\"\" percard=\"0\" sex=\"0\" \
         alias=\"\" weibo=\"\" albumflag=\"0\" albumstyle=\"0\" albumbgimgid=\"\" snsflag=\"1\" snsbgimgid=\"\" \
         snsbgobjectid=\"0\" mhash=\"\" mfullhash=\"\" bigheadimgurl=\"\" smallheadimgurl=\"\" ticket=\"{}\" \
         opcode=\"2\" googlecontact=\"\" qrticket=\"\" chatroomusername=\"{}\" sourceusername=\"\" \
         sourcenickname=\"\" sharecardusername=\"\" sharecardnickname=\"\" cardversion=\"\" extflag=\"0\">\
         <brandlist count=\"0\" ver=\"0\"></brandlist></msg>",
        attr(&req.wxid),
        attr(&req.v3),
        attr(&req.nickname),
        attr(&req.greeting),
        req.scene,
        attr(&req.v4),
        attr(req.source_room.as_deref().unwrap_or("")),
    );
    add_msg(bot, "fmessage", &bot.wxid, 37, &content, &msg_source(&[], 0), None, ids)
}

/// `TypeName: ModContacts` for a contact that became a friend (gewe-account spec §5.2).
pub(super) fn friend_added(bot: &BotIdentity, wxid: &str, nickname: &str, v3: &str) -> String {
    json!({
        "TypeName": "ModContacts", "Appid": bot.app_id, "Wxid": bot.wxid,
        "Data": {"UserName": {"string": wxid}, "NickName": {"string": nickname}, "EncryptUserName": v3},
    })
    .to_string()
}
