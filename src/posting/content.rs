//! What a converted post looks like in one group: its poster and its copy text, drawn with the group's templates
//! (a plan's own templates arrive as the group's in the context). A single-item post is the item's poster and its
//! copy; a list post is one list poster naming every item (each row's QR the group's own link for that item) and
//! one text listing each item's copy, numbered, the shape member messages with several links get.

use crate::affiliate::Conversion;
use crate::engine::handlers::product_link::{member_rebate, poster_media, poster_url, product_photo};
use crate::engine::{Context, EngineError, text};
use crate::money::Fen;

/// The copy of one item for the group of `cx`: the group's copy template, else the default copy.
fn group_copy(cx: &Context<'_>, conversion: &Conversion, rebate: Fen) -> String {
    cx.group
        .as_ref()
        .and_then(|g| g.copy_template.as_deref())
        .and_then(|t| crate::engine::copy::render(t, conversion, rebate))
        .unwrap_or_else(|| text::default_copy(conversion))
}

/// A post's parts for the group of `cx`: the poster's media URL (when one could be drawn) and the copy text (the
/// group's copy template, else the default copy).
pub async fn group_post(cx: &Context<'_>, conversion: &Conversion) -> Result<(Option<String>, String), EngineError> {
    let rebate = member_rebate(cx, conversion).await?;
    let poster = poster_url(cx, conversion, rebate).await?;
    Ok((poster, group_copy(cx, conversion, rebate)))
}

/// A list post's parts for the group of `cx`: the list poster's media URL (when it could be drawn) and one text
/// listing every item's copy, in order.
pub async fn list_post(cx: &Context<'_>, conversions: &[Conversion]) -> Result<(Option<String>, String), EngineError> {
    let mut rows = Vec::with_capacity(conversions.len());
    let mut copies = Vec::with_capacity(conversions.len());
    for c in conversions {
        let rebate = member_rebate(cx, c).await?;
        let photo = product_photo(cx.engine, &c.product).await;
        rows.push((c.product.clone(), c.promotion.best_url().to_string(), photo));
        copies.push(Ok(group_copy(cx, c, rebate)));
    }
    let poster = match cx.engine.renderer.render_list(text::list_poster_heading(conversions.len()), rows).await {
        Ok(p) => Some(poster_media(cx.engine, &p.jpeg).await?),
        Err(e) => {
            tracing::error!(error = %e, "list poster rendering failed; posting the text only");
            None
        }
    };
    Ok((poster, text::item_list(&copies, 0)))
}
