//! Posters people scan: a product photo, the title broken by the Chinese line-breaking rules, the price row,
//! badges and a QR code of the promotion link, laid out by a template and encoded as a JPEG under 2 MB.
//!
//! - [`template`]: TOML templates from `assets/posters/`, validated at start-up.
//! - [`fonts`]: the shipped font chains (`fonts/`), with a glyph for every CJK unified ideograph.
//! - [`linebreak`]: UAX #14 + 禁则; [`text`]: glyph measuring and drawing; [`labels`]: `¥12.90`, `已售 1.2万`.
//! - [`layout`]: composition; [`photo`]: resize or placeholder; [`qr`]; [`encode`]: JPEG under the WeCom limit.
//!
//! **The QR link.** The code encodes the union's own short link when the union made one (`Promotion::short_url`:
//! `p.pinduoduo.com/…`, `u.jd.com/…`, `s.click.taobao.com/…`), else its full promotion URL. Those links are
//! already short (20–40 bytes: QR version 2–3 with large modules), carry our PID and the member's attribution,
//! are as long-lived as the promotion itself, and keep working when dealbot is down or its public URL changes; a
//! redirect of our own would add a hop, a table and a dependency on our uptime for every scan, and would only pay
//! off for unions without a short link, where the full URL still decodes (version ≤ 10 at level Q).
//!
//! Rendering is CPU work: [`Renderer::render`] runs it on `spawn_blocking` behind a semaphore sized to the cores,
//! and caches finished posters by (platform, item, link — which carries the PID —, price, coupon, template
//! version).

pub mod encode;
pub mod fonts;
pub mod labels;
pub mod layout;
pub mod linebreak;
pub mod list;
pub mod pen;
pub mod photo;
pub mod qr;
pub mod template;
pub mod text;

use crate::affiliate::{Product, Promotion};
use crate::config::PosterSettings;
use crate::money::Fen;
use crate::platform::Platform;
use bytes::Bytes;
use fonts::Fonts;
use image::RgbImage;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use template::{Template, Templates};
use tokio::sync::Semaphore;

/// A finished poster.
#[derive(Debug, Clone)]
pub struct Poster {
    pub jpeg: Bytes,
    pub width: u32,
    pub height: u32,
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct PosterRequest {
    pub product: Product,
    pub promotion: Promotion,
    /// The URL encoded in the QR code.
    pub qr_url: String,
    /// Template name; `None` for the default.
    pub template: Option<String>,
    /// The member's estimated rebate (their share of the commission), when the group shows it.
    pub rebate: Option<Fen>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Fonts(#[from] fonts::FontError),
    #[error(transparent)]
    Templates(#[from] template::TemplateError),
    #[error("QR encoding failed: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("JPEG encoding failed: {0}")]
    Encode(#[from] encode::EncodeError),
    #[error("render task failed: {0}")]
    Task(String),
}

/// Renders one poster: compose, then encode at `quality` (lowered if needed to stay under 2 MB).
pub fn render(
    fonts: &Fonts,
    template: &Template,
    req: &PosterRequest,
    photo: Option<&RgbImage>,
    quality: u8,
) -> Result<Poster, RenderError> {
    let content =
        layout::Content { product: &req.product, promotion: &req.promotion, qr_url: &req.qr_url, rebate: req.rebate };
    let img = layout::compose(fonts, &template.layout, &content, photo)?;
    let jpeg = encode::jpeg(&img, quality, encode::MAX_BYTES)?;
    Ok(Poster { jpeg: Bytes::from(jpeg), width: img.width(), height: img.height() })
}

/// Everything that changes the picture enough to need a new poster.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PosterKey {
    platform: Platform,
    item_id: String,
    /// The QR link: it carries the PID and the member.
    link: String,
    price: i64,
    final_price: i64,
    coupon: i64,
    template: String,
    template_version: String,
    /// The rebate shown, if any.
    rebate: Option<i64>,
    with_photo: bool,
}

/// Fonts, templates and the poster cache, shared by every render.
#[derive(Clone)]
pub struct Renderer {
    inner: Arc<Inner>,
}

struct Inner {
    fonts: Fonts,
    templates: Templates,
    quality: u8,
    permits: Semaphore,
    cache: moka::future::Cache<PosterKey, Poster>,
}

impl Renderer {
    /// Loads the fonts and templates named by the settings; a missing font or an invalid template is an error.
    pub fn new(settings: &PosterSettings) -> Result<Renderer, RenderError> {
        let fonts = Fonts::load(Path::new(&settings.fonts_dir))?;
        let templates = Templates::load(Path::new(&settings.templates_dir), &settings.default_template)?;
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let cache = moka::future::Cache::builder()
            .max_capacity(settings.cache_max_bytes)
            .weigher(|_, p: &Poster| u32::try_from(p.jpeg.len()).unwrap_or(u32::MAX))
            .time_to_live(Duration::from_secs(settings.cache_ttl_secs))
            .build();
        tracing::info!(templates = ?templates.names(), cores, "poster renderer ready");
        Ok(Renderer {
            inner: Arc::new(Inner {
                fonts,
                templates,
                quality: settings.jpeg_quality,
                permits: Semaphore::new(cores),
                cache,
            }),
        })
    }

    /// Names of the loaded templates, sorted.
    pub fn template_names(&self) -> Vec<String> {
        self.inner.templates.names()
    }

    /// Renders without the cache, on the calling thread.
    pub fn render_now(&self, req: &PosterRequest, photo: Option<&RgbImage>) -> Result<Poster, RenderError> {
        let template = self.inner.templates.choose(req.template.as_deref());
        render(&self.inner.fonts, &template, req, photo, self.inner.quality)
    }

    /// The cached poster, or a fresh one rendered on the blocking pool (at most one per core at a time).
    pub async fn render(&self, req: PosterRequest, photo: Option<Arc<RgbImage>>) -> Result<Poster, RenderError> {
        let template = self.inner.templates.choose(req.template.as_deref());
        let p = &req.product;
        let key = PosterKey {
            platform: p.platform,
            item_id: p.item_id.clone(),
            link: req.qr_url.clone(),
            price: p.price.0,
            final_price: p.final_price.0,
            coupon: p.coupon.as_ref().map_or(0, |c| c.amount.0),
            template: template.name.clone(),
            template_version: template.version.clone(),
            rebate: req.rebate.map(|r| r.0),
            with_photo: photo.is_some(),
        };
        if let Some(hit) = self.inner.cache.get(&key).await {
            return Ok(hit);
        }
        let _permit = self.inner.permits.acquire().await.map_err(|e| RenderError::Task(e.to_string()))?;
        let inner = self.inner.clone();
        let poster = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let out = render(&inner.fonts, &template, &req, photo.as_deref(), inner.quality);
            tracing::debug!(elapsed_us = started.elapsed().as_micros() as u64, template = %template.name, "poster rendered");
            out
        })
        .await
        .map_err(|e| RenderError::Task(e.to_string()))??;
        self.inner.cache.insert(key, poster.clone()).await;
        Ok(poster)
    }

    /// The poster of a list post ([`list`]): `items` are (product, QR link, photo), in the post's order. Drawn on
    /// the blocking pool like every poster; not cached (each group's links differ).
    pub async fn render_list(
        &self,
        heading: String,
        items: Vec<(Product, String, Option<Arc<RgbImage>>)>,
    ) -> Result<Poster, RenderError> {
        let _permit = self.inner.permits.acquire().await.map_err(|e| RenderError::Task(e.to_string()))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let entries: Vec<list::ListEntry<'_>> = items
                .iter()
                .map(|(product, qr_url, photo)| list::ListEntry { product, qr_url, photo: photo.as_deref() })
                .collect();
            let img = list::compose(&inner.fonts, &heading, &entries)?;
            let jpeg = encode::jpeg(&img, inner.quality, encode::MAX_BYTES)?;
            Ok(Poster { jpeg: Bytes::from(jpeg), width: img.width(), height: img.height() })
        })
        .await
        .map_err(|e| RenderError::Task(e.to_string()))?
    }
}

#[cfg(test)]
mod tests;
