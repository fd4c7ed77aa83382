//! Who is who: admins (the operator: configured wxids and the `admins` table), the group's owner (its
//! partner), everyone else a member.

use crate::engine::command::Role;
use crate::engine::{Context, EngineError};

/// The role of `wxid` in the context's group.
pub async fn role_of(cx: &Context<'_>, wxid: &str) -> Result<Role, EngineError> {
    let e = cx.engine;
    if e.settings.chat.admins.iter().any(|a| a == wxid) || e.store.is_admin(wxid).await? {
        return Ok(Role::Admin);
    }
    if let Some(partner) = cx.group.as_ref().and_then(|g| g.partner_id)
        && e.store.partner_wxid(partner).await?.as_deref() == Some(wxid)
    {
        return Ok(Role::Owner);
    }
    Ok(Role::Member)
}
