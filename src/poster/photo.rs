//! The product photo in its box: scaled to cover the box and centre-cropped (`fast_image_resize`, Catmull-Rom),
//! or a drawn placeholder when there is no photo.

use super::qr::fill;
use super::template::PhotoSpec;
use super::text::{Align, Pen};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{Rgb, RgbImage};

/// Draws `photo` into the box, or the placeholder with `label` (the platform name) when there is none.
pub fn draw(canvas: &mut RgbImage, spec: &PhotoSpec, photo: Option<&RgbImage>, pen: &Pen<'_>, label: &str) {
    match photo.filter(|p| p.width() > 0 && p.height() > 0) {
        Some(p) if p.dimensions() == (spec.w, spec.h) => {
            image::imageops::replace(canvas, p, i64::from(spec.x), i64::from(spec.y));
        }
        Some(p) => {
            let mut fitted = RgbImage::new(spec.w, spec.h);
            let options = ResizeOptions::new()
                .resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom))
                .fit_into_destination(None);
            match Resizer::new().resize(p, &mut fitted, &options) {
                Ok(()) => image::imageops::replace(canvas, &fitted, i64::from(spec.x), i64::from(spec.y)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot resize the product photo; drawing the placeholder");
                    placeholder(canvas, spec, pen, label);
                }
            }
        }
        None => placeholder(canvas, spec, pen, label),
    }
}

fn placeholder(canvas: &mut RgbImage, spec: &PhotoSpec, pen: &Pen<'_>, label: &str) {
    let bg = spec.placeholder.0;
    fill(canvas, i64::from(spec.x), i64::from(spec.y), spec.w, spec.h, bg);
    let ink = Rgb(bg.0.map(|v| v.saturating_sub(60)));
    let cx = spec.x as f32 + spec.w as f32 / 2.0;
    let top = spec.y as f32 + (spec.h as f32 - pen.size) / 2.0;
    pen.draw(canvas, cx, top, Align::Center, ink, label);
}
