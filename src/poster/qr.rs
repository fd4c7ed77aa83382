//! The QR code of the promotion link, drawn straight onto the poster.
//!
//! Error correction Q (recovers 25 % of codewords, more than the required M) so that the code survives WeChat's
//! recompression, or M for links so long that Q would shrink the modules below 4 px; the 4-module quiet zone is kept white; modules are whole pixels and the code is never smaller
//! than [`MIN_QR_PX`](super::template::MIN_QR_PX).

use super::template::MIN_QR_PX;
use image::{Rgb, RgbImage};
use qrcode::{Color, EcLevel, QrCode};

const QUIET_MODULES: u32 = 4;
/// Smallest module, in pixels, that level Q is used with.
const MIN_MODULE_PX: u32 = 4;

/// Draws the code for `data` centred in the `size`×`size` square at `(x, y)`; returns the side actually drawn.
pub fn draw(canvas: &mut RgbImage, data: &str, x: u32, y: u32, size: u32) -> Result<u32, qrcode::types::QrError> {
    let code = code_for(data.as_bytes(), size)?;
    let width = code.width() as u32;
    let modules = width + 2 * QUIET_MODULES;
    let module_px = (size / modules).max(MIN_QR_PX.div_ceil(modules));
    let side = module_px * modules;
    let x0 = i64::from(x) + (i64::from(size) - i64::from(side)) / 2;
    let y0 = i64::from(y) + (i64::from(size) - i64::from(side)) / 2;
    fill(canvas, x0, y0, side, side, Rgb([255, 255, 255]));
    let colors = code.to_colors();
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (mx, my) = (i as u32 % width + QUIET_MODULES, i as u32 / width + QUIET_MODULES);
            let px = x0 + i64::from(mx * module_px);
            let py = y0 + i64::from(my * module_px);
            fill(canvas, px, py, module_px, module_px, Rgb([0, 0, 0]));
        }
    }
    Ok(side)
}

/// Level Q, unless that leaves modules under [`MIN_MODULE_PX`] in a `size` square: then level M, whose larger
/// modules survive recompression better than Q's extra redundancy does.
fn code_for(data: &[u8], size: u32) -> Result<QrCode, qrcode::types::QrError> {
    let q = QrCode::with_error_correction_level(data, EcLevel::Q)?;
    if size / (q.width() as u32 + 2 * QUIET_MODULES) >= MIN_MODULE_PX {
        return Ok(q);
    }
    QrCode::with_error_correction_level(data, EcLevel::M)
}

/// Fills a rectangle, clipped to the canvas.
pub fn fill(canvas: &mut RgbImage, x: i64, y: i64, w: u32, h: u32, color: Rgb<u8>) {
    let (cw, ch) = (i64::from(canvas.width()), i64::from(canvas.height()));
    let (x1, y1) = ((x + i64::from(w)).min(cw), (y + i64::from(h)).min(ch));
    for py in y.max(0)..y1 {
        for px in x.max(0)..x1 {
            canvas.put_pixel(px as u32, py as u32, color);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every QR code found in `img`, decoded.
    pub(crate) fn decode(img: &RgbImage) -> Vec<String> {
        let luma = image::DynamicImage::ImageRgb8(img.clone()).to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(luma);
        prepared.detect_grids().iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect()
    }

    #[test]
    fn a_short_link_decodes_and_is_at_least_180_px() {
        let url = "https://p.pinduoduo.com/AbCdEf12";
        let mut img = RgbImage::from_pixel(300, 300, Rgb([250, 240, 230]));
        let side = draw(&mut img, url, 40, 40, MIN_QR_PX).unwrap_or_default();
        assert!(side >= MIN_QR_PX, "{side}");
        assert_eq!(decode(&img), [url]);
    }

    #[test]
    fn a_long_union_link_still_decodes() {
        let url = format!("https://union-click.jd.com/jdc?e=&p={}&d=Xy12", "A1b2C3d4".repeat(28));
        let mut img = RgbImage::from_pixel(300, 300, Rgb([255, 255, 255]));
        draw(&mut img, &url, 30, 30, 240).unwrap_or_default();
        assert_eq!(decode(&img), [url]);
    }
}
