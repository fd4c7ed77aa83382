//! Poster rendering: templates, layout, CJK line breaking, QR, JPEG encoding, the guarded photo fetcher and
//! caches. Rendering runs on `spawn_blocking` behind a semaphore.
//!
//! Work in progress: this first version draws the QR code of the promotion link on a white card.

use crate::affiliate::{Product, Promotion};
use crate::config::PosterSettings;
use bytes::Bytes;
use std::sync::Arc;
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
    /// Show the estimated rebate.
    pub show_rebate: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("unknown poster template `{0}`")]
    UnknownTemplate(String),
    #[error("QR encoding failed: {0}")]
    Qr(String),
    #[error("JPEG encoding failed: {0}")]
    Encode(String),
    #[error("render task failed: {0}")]
    Task(String),
}

#[derive(Clone)]
pub struct Renderer {
    quality: u8,
    permits: Arc<Semaphore>,
}

impl Renderer {
    pub fn new(settings: &PosterSettings) -> Result<Renderer, RenderError> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Ok(Renderer { quality: settings.jpeg_quality, permits: Arc::new(Semaphore::new(cores)) })
    }

    pub async fn render(&self, req: PosterRequest) -> Result<Poster, RenderError> {
        let _permit = self.permits.acquire().await.map_err(|e| RenderError::Task(e.to_string()))?;
        let quality = self.quality;
        tokio::task::spawn_blocking(move || render_qr_card(&req.qr_url, quality))
            .await
            .map_err(|e| RenderError::Task(e.to_string()))?
    }
}

fn render_qr_card(url: &str, quality: u8) -> Result<Poster, RenderError> {
    use qrcode::{EcLevel, QrCode};
    let code =
        QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).map_err(|e| RenderError::Qr(e.to_string()))?;
    let img = code.render::<image::Luma<u8>>().min_dimensions(300, 300).quiet_zone(true).build();
    let (w, h) = img.dimensions();
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.encode(img.as_raw(), w as u16, h as u16, jpeg_encoder::ColorType::Luma)
        .map_err(|e| RenderError::Encode(e.to_string()))?;
    Ok(Poster { jpeg: Bytes::from(out), width: w, height: h })
}
