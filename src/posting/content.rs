//! What a converted post looks like in one group: its poster and its copy text, drawn with the group's templates.

use crate::affiliate::Conversion;
use crate::engine::handlers::product_link::{member_rebate, poster_url};
use crate::engine::{Context, EngineError, text};

/// A post's parts for the group of `cx`: the poster's media URL (when one could be drawn) and the copy text (the
/// group's copy template, else the default copy).
pub async fn group_post(cx: &Context<'_>, conversion: &Conversion) -> Result<(Option<String>, String), EngineError> {
    let rebate = member_rebate(cx, conversion).await?;
    let poster = poster_url(cx, conversion, rebate).await?;
    let copy = cx
        .group
        .as_ref()
        .and_then(|g| g.copy_template.as_deref())
        .and_then(|t| crate::engine::copy::render(t, conversion, rebate))
        .unwrap_or_else(|| text::default_copy(conversion));
    Ok((poster, copy))
}
