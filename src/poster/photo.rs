//! The product photo in its box: scaled to cover the box and centre-cropped (`fast_image_resize`, Catmull-Rom),
//! or a drawn placeholder when there is no photo. Fitted photos are kept for the next poster of the same item.

use super::pen::{Align, Pen};
use super::qr::fill;
use super::template::PhotoSpec;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{Rgb, RgbImage};
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// Draws `photo` into the box, or the placeholder with `label` (the platform name) when there is none.
pub fn draw(canvas: &mut RgbImage, spec: &PhotoSpec, photo: Option<&RgbImage>, pen: &Pen<'_>, label: &str) {
    match photo.filter(|p| p.width() > 0 && p.height() > 0) {
        Some(p) if p.dimensions() == (spec.w, spec.h) => {
            image::imageops::replace(canvas, p, i64::from(spec.x), i64::from(spec.y));
        }
        Some(p) => match fitted(p, spec.w, spec.h) {
            Ok(fitted) => image::imageops::replace(canvas, fitted.as_ref(), i64::from(spec.x), i64::from(spec.y)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot resize the product photo; drawing the placeholder");
                placeholder(canvas, spec, pen, label);
            }
        },
        None => placeholder(canvas, spec, pen, label),
    }
}

/// Photos recently fitted into a box. A fan-out draws one item's photo into the same box for every group (each
/// group's poster differs only by its QR code), so the resize — most of a poster's drawing time — runs once.
/// Keyed by the photo's content (a hash of its pixels and size) and the box, never by its address.
const FITTED_KEEP: usize = 16;
static FITTED: Mutex<VecDeque<(FitKey, Arc<RgbImage>)>> = Mutex::new(VecDeque::new());

#[derive(PartialEq, Eq, Clone, Copy)]
struct FitKey {
    photo: u64,
    w: u32,
    h: u32,
}

fn fitted(photo: &RgbImage, w: u32, h: u32) -> Result<Arc<RgbImage>, fast_image_resize::ResizeError> {
    let mut hasher = std::hash::DefaultHasher::new();
    photo.dimensions().hash(&mut hasher);
    photo.as_raw().hash(&mut hasher);
    let key = FitKey { photo: hasher.finish(), w, h };
    let cache = || FITTED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, hit)) = cache().iter().find(|(k, _)| *k == key) {
        return Ok(hit.clone());
    }
    let mut out = RgbImage::new(w, h);
    let options =
        ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom)).fit_into_destination(None);
    Resizer::new().resize(photo, &mut out, &options)?;
    let out = Arc::new(out);
    let mut kept = cache();
    if !kept.iter().any(|(k, _)| *k == key) {
        if kept.len() == FITTED_KEEP {
            kept.pop_front();
        }
        kept.push_back((key, out.clone()));
    }
    Ok(out)
}

fn placeholder(canvas: &mut RgbImage, spec: &PhotoSpec, pen: &Pen<'_>, label: &str) {
    let bg = spec.placeholder.0;
    fill(canvas, i64::from(spec.x), i64::from(spec.y), spec.w, spec.h, bg);
    let ink = Rgb(bg.0.map(|v| v.saturating_sub(60)));
    let cx = spec.x as f32 + spec.w as f32 / 2.0;
    let top = spec.y as f32 + (spec.h as f32 - pen.size) / 2.0;
    pen.draw(canvas, cx, top, Align::Center, ink, label);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(w: u32, h: u32, v: u8) -> RgbImage {
        RgbImage::from_pixel(w, h, Rgb([v, 255 - v, v / 2]))
    }

    #[test]
    fn a_photo_is_fitted_once_per_box_and_another_photo_of_the_same_size_is_not_mistaken_for_it() {
        let red = plain(64, 48, 200);
        let first = fitted(&red, 20, 20).unwrap();
        let again = fitted(&red.clone(), 20, 20).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the same pixels in the same box: resized once");
        let other = fitted(&plain(64, 48, 10), 20, 20).unwrap();
        assert_ne!(first.get_pixel(10, 10), other.get_pixel(10, 10), "another photo of the same size");
        let bigger = fitted(&red, 30, 20).unwrap();
        assert_eq!(bigger.dimensions(), (30, 20), "another box");
    }
}
