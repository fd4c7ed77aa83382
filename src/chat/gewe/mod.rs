//! GeWe protocol: callback parsing (chat-gateways spec §1.3–1.8) and the REST send client (§1.9).
//!
//! - [`parse_callback`] turns one webhook body into a [`GeweEvent`]; it never panics on any input.
//! - [`GeweClient`] sends [`crate::chat::Outbound`] through `postText` / `postImage` / `postLink` and answers the
//!   auxiliary calls (`checkOnline`, `reconnection`, `getChatroomMemberList`).

mod client;
mod friend;
mod parse;
mod xml;

pub use client::{ChatroomInfo, ChatroomMember, GeweClient, LoginCheck, LoginQr};
pub use parse::{GeweEvent, ParseError, card, parse_callback};
