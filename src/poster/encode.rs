//! JPEG encoding with `jpeg-encoder` into a `Vec`, under the WeCom image limit.

use image::RgbImage;
use jpeg_encoder::{ColorType, Encoder};

/// WeCom group robots accept images of at most 2 MB (before base64).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Never go below this quality to meet the size limit.
const MIN_QUALITY: u8 = 30;

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("{0}")]
    Encoder(#[from] jpeg_encoder::EncodingError),
    #[error("the poster does not fit in {max} bytes even at quality {MIN_QUALITY}")]
    TooLarge { max: usize },
    #[error("the poster is larger than a JPEG allows")]
    Dimensions,
}

/// Encodes at `quality`, stepping the quality down by 10 while the file is larger than `max_bytes`.
pub fn jpeg(img: &RgbImage, quality: u8, max_bytes: usize) -> Result<Vec<u8>, EncodeError> {
    let w = u16::try_from(img.width()).map_err(|_| EncodeError::Dimensions)?;
    let h = u16::try_from(img.height()).map_err(|_| EncodeError::Dimensions)?;
    let mut q = quality.clamp(1, 100);
    loop {
        let mut out = Vec::with_capacity(256 * 1024);
        Encoder::new(&mut out, q).encode(img.as_raw(), w, h, ColorType::Rgb)?;
        if out.len() <= max_bytes {
            return Ok(out);
        }
        if q <= MIN_QUALITY {
            return Err(EncodeError::TooLarge { max: max_bytes });
        }
        tracing::debug!(quality = q, bytes = out.len(), "poster over the size limit; lowering the quality");
        q = q.saturating_sub(10).max(MIN_QUALITY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// Worst case for JPEG: per-pixel noise.
    fn noise(w: u32, h: u32) -> RgbImage {
        let mut s: u32 = 12345;
        RgbImage::from_fn(w, h, |_, _| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let b = s.to_le_bytes();
            Rgb([b[1], b[2], b[3]])
        })
    }

    #[test]
    fn a_noisy_poster_at_quality_100_is_brought_under_the_limit() {
        let img = noise(1000, 1000);
        let first = jpeg(&img, 100, usize::MAX).map(|v| v.len()).unwrap_or(0);
        let cap = first / 2;
        let out = jpeg(&img, 100, cap).unwrap_or_default();
        assert!(!out.is_empty() && out.len() <= cap, "{} > {cap} (first {first})", out.len());
        assert!(image::load_from_memory(&out).is_ok());
    }

    #[test]
    fn an_impossible_limit_is_an_error_not_an_oversized_file() {
        assert!(matches!(jpeg(&noise(300, 300), 90, 1000), Err(EncodeError::TooLarge { .. })));
    }
}
