//! Taobao member registration, the one way Taobao orders name their member (Taobao has no free parameter): the
//! first time a member converts a Taobao item they are sent the consent link in private chat (once ever); when
//! they consent, Taobao sends them back to `/taobao/registered`, the union binds them to the operator's invite
//! code and the binding (`special:<id>` / `relation:<id>`) is stored. Their later conversions carry it, and so do
//! their orders, which are then theirs without any heuristic.

use crate::affiliate::AffiliateError;
use crate::affiliate::taobao::{MemberTag, TaobaoClient};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("unknown or used registration link")]
    UnknownState,
    #[error("union: {0}")]
    Affiliate(#[from] AffiliateError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Where Taobao sends a member back after consenting.
pub fn redirect_uri(public_base_url: &str) -> String {
    format!("{}/taobao/registered", public_base_url.trim_end_matches('/'))
}

/// The consent link to send the member, the first time only; `None` when registration is off, the member is
/// registered or has been sent the link already.
pub async fn invite(
    store: &Store,
    client: &TaobaoClient,
    public_base_url: &str,
    member_id: i64,
    robot_id: i64,
    now: i64,
) -> Result<Option<String>, StoreError> {
    if !client.registration_enabled() {
        return Ok(None);
    }
    let state = format!("{:032x}", rand::random::<u128>());
    if !store.start_taobao_registration(member_id, robot_id, &state, now).await? {
        return Ok(None);
    }
    Ok(client.registration_url(&redirect_uri(public_base_url), &state))
}

/// The member came back with `code` for the registration `state`: binds them and stores the binding.
pub async fn complete(
    store: &Store,
    client: &TaobaoClient,
    public_base_url: &str,
    code: &str,
    state: &str,
    now: i64,
) -> Result<MemberTag, RegistrationError> {
    let registration = store
        .taobao_registration_by_token(state)
        .await?
        .filter(|r| r.status == "sent")
        .ok_or(RegistrationError::UnknownState)?;
    let tag = client.register_member(code, &redirect_uri(public_base_url)).await?;
    if !store.complete_taobao_registration(registration.member_id, &tag.tag(), now).await? {
        return Err(RegistrationError::UnknownState);
    }
    tracing::info!(member = registration.member_id, "taobao member registered");
    Ok(tag)
}
