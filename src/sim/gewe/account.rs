//! Account and contacts routes of the simulated gateway (gateway-account spec §3.4, §4): `logout`,
//! `fetchContactsList` (only groups saved to contacts) and `getChatroomInfo` (name and members with 群昵称).

use super::GeweSim;
use super::api::{Failure, member_list, ok, required, respond};
use super::text;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

/// System accounts every address book lists among the friends (clients filter them).
const SYSTEM_FRIENDS: &[&str] = &["weixin", "filehelper", "fmessage", "medianote", "qmessage"];

pub(super) fn router() -> Router<GeweSim> {
    Router::new()
        .route("/login/logout", post(logout))
        .route("/contacts/fetchContactsList", post(fetch_contacts))
        .route("/group/getChatroomInfo", post(chatroom_info))
}

async fn logout(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        let fields = sim.authorize(&headers, &body)?;
        sim.check_app_id(&fields)?;
        let mut state = sim.state();
        state.online = false;
        // A logged-out account comes back only through a new QR login.
        state.reconnect_fails = true;
        Ok(ok(text::OPERATION_OK, Value::Null))
    })())
}

async fn fetch_contacts(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        let fields = sim.authorize(&headers, &body)?;
        sim.check_app_id(&fields)?;
        let state = sim.state();
        if !state.online {
            return Err(Failure::ret(text::OFFLINE));
        }
        let mut rooms: Vec<&String> = state.rooms.iter().filter(|(_, r)| r.saved).map(|(id, _)| id).collect();
        rooms.sort();
        Ok(ok(text::OPERATION_OK, json!({"friends": SYSTEM_FRIENDS, "chatrooms": rooms, "ghs": []})))
    })())
}

async fn chatroom_info(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        let fields = sim.authorize(&headers, &body)?;
        sim.check_app_id(&fields)?;
        let room_id = required(&fields, "chatroomId")?;
        let state = sim.state();
        let Some(room) = state.rooms.get(room_id) else {
            return Err(Failure::ret(text::ROOM_INFO_NO_ROOM));
        };
        let owner = room.members.iter().find(|m| m.wxid != state.bot.wxid).map(|m| m.wxid.clone());
        Ok(ok(
            text::OPERATION_OK,
            json!({
                "chatroomId": room_id, "nickName": room.name, "remark": null, "chatRoomNotify": 1,
                "chatRoomOwner": owner, "smallHeadImgUrl": "", "memberList": member_list(room),
            }),
        ))
    })())
}
