//! Measuring and drawing one line of text with a [`FontChain`]: one `char` is one glyph (Han and Latin need no
//! shaping), each from the first face that has it. Sizes are em sizes in pixels.

use super::fonts::FontChain;
use ab_glyph::{Font, FontArc, PxScale, ScaleFont, point};
use image::{Rgb, RgbImage};

/// The `PxScale` that makes one em of `face` exactly `size` pixels (ab_glyph scales by ascent − descent).
fn em_scale(face: &FontArc, size: f32) -> PxScale {
    let upem = face.units_per_em().unwrap_or(1000.0);
    PxScale::from(size * face.height_unscaled() / upem)
}

/// Horizontal alignment of a line around its anchor x.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// Text drawing at one size with one chain.
pub struct Pen<'a> {
    pub chain: &'a FontChain,
    pub size: f32,
}

impl Pen<'_> {
    /// Advance of one character; zero when no face has it.
    pub fn advance(&self, c: char) -> f32 {
        match self.chain.resolve(c) {
            Some(r) => {
                let face = self.chain.face(r.face);
                face.as_scaled(em_scale(face, self.size)).h_advance(r.glyph)
            }
            None => 0.0,
        }
    }

    pub fn width(&self, s: &str) -> f32 {
        s.chars().map(|c| self.advance(c)).sum()
    }

    /// Distance from the top of the em box to the baseline: the ideographic em box of CJK faces spans 0.88 em
    /// above the baseline and 0.12 em below it.
    pub fn ascent(&self) -> f32 {
        self.size * 0.88
    }

    /// Draws `s` with its em box top at `top`, anchored at `x` by `align`. Returns the left edge and the width.
    pub fn draw(&self, canvas: &mut RgbImage, x: f32, top: f32, align: Align, color: Rgb<u8>, s: &str) -> (f32, f32) {
        let w = self.width(s);
        let left = match align {
            Align::Left => x,
            Align::Center => x - w / 2.0,
            Align::Right => x - w,
        };
        let baseline = top + self.ascent();
        let mut pen_x = left;
        for c in s.chars() {
            let Some(r) = self.chain.resolve(c) else {
                tracing::debug!(code_point = %format!("U+{:04X}", c as u32), "no face has this character; dropped");
                continue;
            };
            let face = self.chain.face(r.face);
            let scale = em_scale(face, self.size);
            let glyph = r.glyph.with_scale_and_position(scale, point(pen_x, baseline));
            pen_x += face.as_scaled(scale).h_advance(r.glyph);
            if let Some(outline) = face.outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, cov| {
                    let px = b.min.x as i64 + i64::from(gx);
                    let py = b.min.y as i64 + i64::from(gy);
                    blend(canvas, px, py, color, cov);
                });
            }
        }
        (left, w)
    }
}

/// Alpha-blends `color` at coverage `cov` into the pixel, if it is on the canvas.
pub fn blend(canvas: &mut RgbImage, x: i64, y: i64, color: Rgb<u8>, cov: f32) {
    if x < 0 || y < 0 || x >= i64::from(canvas.width()) || y >= i64::from(canvas.height()) {
        return;
    }
    let a = cov.clamp(0.0, 1.0);
    let p = canvas.get_pixel_mut(x as u32, y as u32);
    for i in 0..3 {
        p.0[i] = (f32::from(p.0[i]) * (1.0 - a) + f32::from(color.0[i]) * a + 0.5) as u8;
    }
}
