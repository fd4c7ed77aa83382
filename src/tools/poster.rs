//! `dealbot poster`: converts the first product reference of a text through the configured unions (or the
//! built-in simulators) and renders its poster, as the robot would for a group.

use super::{affiliates_or_simulators, default_pid};
use crate::affiliate::{AffiliateError, Attribution};
use crate::config::Settings;
use crate::links;
use crate::poster::{Poster, PosterRequest, RenderError, Renderer};
use crate::startup::StartupError;
use image::{ImageReader, Limits, RgbImage};
use serde_json::{Value, json};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PosterToolError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("no product link found in the text")]
    NoLink,
    #[error("conversion failed: {0}")]
    Convert(#[from] AffiliateError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("poster template `{name}` does not exist; known: {known}")]
    UnknownTemplate { name: String, known: String },
    #[error("cannot read the photo {path}: {msg}")]
    Photo { path: String, msg: String },
}

/// What to render: the message text, the template (the default when `None`), an optional local photo file.
pub struct PosterJob<'a> {
    pub text: &'a str,
    pub template: Option<String>,
    pub photo: Option<&'a Path>,
    pub show_rebate: bool,
}

/// The poster and a JSON summary of the conversion it shows.
pub async fn poster(settings: Settings, job: PosterJob<'_>) -> Result<(Poster, Value), PosterToolError> {
    let renderer = Renderer::new(&settings.poster).map_err(StartupError::from)?;
    if let Some(name) = job.template.as_deref()
        && !renderer.template_names().iter().any(|n| n == name)
    {
        return Err(PosterToolError::UnknownTemplate {
            name: name.to_string(),
            known: renderer.template_names().join(", "),
        });
    }
    let photo = job.photo.map(read_photo).transpose()?.map(std::sync::Arc::new);
    let r = links::recognize(job.text).into_iter().next().ok_or(PosterToolError::NoLink)?;
    let (settings, affiliates, _sims) = affiliates_or_simulators(settings).await?;
    let attr = Attribution::pid_only(default_pid(&settings, r.platform));
    let c = affiliates.convert(&r, &attr).await?;
    let req = PosterRequest {
        product: c.product.clone(),
        promotion: c.promotion.clone(),
        qr_url: c.promotion.best_url().to_string(),
        template: job.template.clone(),
        // No member here: the whole commission, as the operator sees it.
        rebate: job.show_rebate.then_some(c.product.estimated_commission),
    };
    let photo = match (photo, c.product.image_url.as_deref()) {
        (Some(p), _) => Some(p),
        (None, Some(url)) => {
            let photos = crate::fetch::Photos::from_settings(&settings.fetch, crate::telemetry::Metrics::new())
                .map_err(StartupError::from)?;
            match photos.get(c.product.platform, url).await {
                Ok(p) => Some(p),
                Err(err) => {
                    tracing::warn!(error = %err, "product photo unavailable; drawing the placeholder");
                    None
                }
            }
        }
        (None, None) => None,
    };
    let poster = renderer.render(req, photo).await?;
    let summary = json!({
        "platform": r.platform,
        "key": r.key,
        "pid": attr.pid,
        "title": c.product.title,
        "final_price_fen": c.product.final_price.0,
        "qr_url": c.promotion.best_url(),
        "template": job.template,
        "width": poster.width,
        "height": poster.height,
        "bytes": poster.jpeg.len(),
    });
    Ok((poster, summary))
}

/// Decodes a local photo with the same limits as fetched ones: 4096 px a side, 64 MiB of pixels.
fn read_photo(path: &Path) -> Result<RgbImage, PosterToolError> {
    let err = |msg: String| PosterToolError::Photo { path: path.display().to_string(), msg };
    let mut reader = ImageReader::open(path)
        .map_err(|e| err(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| err(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(4096);
    limits.max_image_height = Some(4096);
    limits.max_alloc = Some(64 * 1024 * 1024);
    reader.limits(limits);
    Ok(reader.decode().map_err(|e| err(e.to_string()))?.to_rgb8())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut s = Settings::default();
        s.poster.templates_dir = root.join("assets/posters").display().to_string();
        s.poster.fonts_dir = root.join("fonts").display().to_string();
        s
    }

    #[tokio::test]
    async fn with_no_union_configured_the_simulators_answer_and_the_qr_holds_the_short_link() {
        let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/posters/sample-photo.jpg");
        let job = PosterJob {
            text: "看看这个 https://item.jd.com/100012043978.html",
            template: Some("card".into()),
            photo: Some(&photo),
            show_rebate: false,
        };
        let (poster, summary) = poster(settings(), job).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((poster.width, poster.height), (800, 800));
        let luma = image::load_from_memory(&poster.jpeg).map(|i| i.to_luma8()).unwrap_or_default();
        let mut prepared = rqrr::PreparedImage::prepare(luma);
        let codes: Vec<String> =
            prepared.detect_grids().iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect();
        assert_eq!(codes.len(), 1);
        assert_eq!(summary["qr_url"].as_str(), Some(codes[0].as_str()));
    }

    #[tokio::test]
    async fn an_unknown_template_or_a_text_without_a_link_is_refused() {
        let job = |text, template: Option<&str>| PosterJob {
            text,
            template: template.map(str::to_string),
            photo: None,
            show_rebate: false,
        };
        let err = poster(settings(), job("https://item.jd.com/1.html", Some("nope"))).await.err();
        assert!(matches!(err, Some(PosterToolError::UnknownTemplate { .. })), "{err:?}");
        let err = poster(settings(), job("没有链接", None)).await.err();
        assert!(matches!(err, Some(PosterToolError::NoLink)), "{err:?}");
    }
}
