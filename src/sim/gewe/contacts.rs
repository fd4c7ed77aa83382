//! Friends of the simulated account (gewe-account spec §5): friend requests posted as `AddMsg` 37 callbacks, and
//! `/contacts/addContacts` accepting (option 3) or rejecting (option 4) them when the v3/v4 tickets match a
//! pending request. An accepted requester becomes a friend and a `ModContacts` callback follows.

use super::api::{Failure, ok, optional, required};
use super::text;
use super::{GeweSim, SimError, callback};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// A friend request the sim posted and still waits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriendRequestSeen {
    pub wxid: String,
    pub nickname: String,
    pub greeting: String,
    pub v3: String,
    pub v4: String,
    pub scene: i64,
    pub source_room: Option<String>,
}

/// One `addContacts` call and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactsCall {
    pub option: i64,
    pub scene: i64,
    pub v3: String,
    pub v4: String,
    /// `ret` of the answer.
    pub ret: i64,
}

#[derive(Debug, Default)]
pub(super) struct Contacts {
    pending: Vec<FriendRequestSeen>,
    friends: Vec<String>,
    calls: Vec<ContactsCall>,
    next_ticket: u64,
}

impl GeweSim {
    /// `wxid` asks to become the robot's friend (scene 6 unless `source_room` says they came from a group: 14).
    /// Posts the callback and returns the request with its tickets.
    pub async fn deliver_friend_request(
        &self,
        wxid: &str,
        nickname: &str,
        greeting: &str,
        source_room: Option<&str>,
    ) -> Result<FriendRequestSeen, SimError> {
        let (body, request) = {
            let mut state = self.state();
            state.contacts.next_ticket += 1;
            let n = state.contacts.next_ticket;
            let request = FriendRequestSeen {
                wxid: wxid.to_string(),
                nickname: nickname.to_string(),
                greeting: greeting.to_string(),
                v3: format!("v3_020b3826fd0301000000000{n:040x}@stranger"),
                v4: format!("v4_000b708f0b0400000100000{n:040x}@stranger"),
                scene: if source_room.is_some() { 14 } else { 6 },
                source_room: source_room.map(str::to_string),
            };
            state.contacts.pending.retain(|p| p.wxid != wxid);
            state.contacts.pending.push(request.clone());
            let ids = state.next_ids();
            (callback::friend_request(&state.bot, &request, ids), request)
        };
        self.post_callback(&body).await?;
        Ok(request)
    }

    /// The account's friends, in the order they were added.
    pub fn friends(&self) -> Vec<String> {
        self.state().contacts.friends.clone()
    }

    /// Friend requests not yet accepted or rejected.
    pub fn pending_friend_requests(&self) -> Vec<FriendRequestSeen> {
        self.state().contacts.pending.clone()
    }

    /// Every `addContacts` call, in order.
    pub fn contacts_calls(&self) -> Vec<ContactsCall> {
        self.state().contacts.calls.clone()
    }
}

fn number(fields: &Map<String, Value>, name: &str) -> Result<i64, Failure> {
    match fields.get(name) {
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| Failure::ret(text::field_type(name))),
        Some(Value::Null) | None => Err(Failure::ret(text::field_empty(name))),
        Some(_) => Err(Failure::ret(text::field_type(name))),
    }
}

pub(super) async fn add_contacts(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    let mut call = ContactsCall { option: 0, scene: 0, v3: String::new(), v4: String::new(), ret: 500 };
    let result = add_contacts_inner(&sim, &headers, &body, &mut call);
    call.ret = if result.is_ok() { 200 } else { 500 };
    sim.state().contacts.calls.push(call);
    match result {
        Ok(echo) => {
            if let Some(body) = echo {
                sim.post_callback_in_background(body);
            }
            ok(text::OPERATION_OK, Value::Null)
        }
        Err(failure) => failure.into_response(),
    }
}

/// Checks and applies one call; returns the `ModContacts` callback to post for an accepted request.
fn add_contacts_inner(
    sim: &GeweSim,
    headers: &HeaderMap,
    body: &[u8],
    call: &mut ContactsCall,
) -> Result<Option<String>, Failure> {
    let fields = sim.authorize(headers, body)?;
    sim.check_app_id(&fields)?;
    call.option = number(&fields, "option")?;
    call.scene = number(&fields, "scene")?;
    call.v3 = required(&fields, "v3")?.to_string();
    call.v4 = optional(&fields, "v4")?.to_string();
    optional(&fields, "content")?;
    let mut state = sim.state();
    if !state.online {
        return Err(Failure::ret(text::OFFLINE));
    }
    match call.option {
        3 | 4 => {}
        // Outgoing adds need a v3/v4 from a contact search, which the sim does not play.
        2 => return Err(Failure::ret(text::USER_NOT_FOUND)),
        _ => return Err(Failure::ret(text::OPTION_INVALID)),
    }
    let found = state.contacts.pending.iter().position(|p| p.v3 == call.v3 && p.v4 == call.v4);
    // [UNVERIFIED text] the gateway's answer to tickets that match no request.
    let Some(i) = found else { return Err(Failure::ret(text::FRIEND_TICKET_UNKNOWN)) };
    if state.contacts.pending[i].scene != call.scene {
        return Err(Failure::ret(text::FRIEND_SCENE_MISMATCH));
    }
    let request = state.contacts.pending.remove(i);
    if call.option == 4 {
        return Ok(None);
    }
    if !state.contacts.friends.contains(&request.wxid) {
        state.contacts.friends.push(request.wxid.clone());
    }
    Ok(Some(callback::friend_added(&state.bot, &request.wxid, &request.nickname, &request.v3)))
}
