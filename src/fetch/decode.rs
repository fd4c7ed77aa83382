//! Bounded decoding and resizing of a fetched photo.
//!
//! The format is decided by sniffing the bytes (JPEG, PNG and WebP only, whatever the server claimed). The
//! decoder runs under [`image::Limits`]: a photo that declares larger dimensions than allowed, or whose
//! decoding would allocate more than allowed, is refused before the pixels are allocated, so a tiny file
//! declaring 30000×30000 pixels costs nothing.

use super::FetchError;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageError, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;

/// Decode limits and the box photos are fit into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodePolicy {
    pub max_width: u32,
    pub max_height: u32,
    pub max_alloc: u64,
    pub fit_width: u32,
    pub fit_height: u32,
}

/// Decodes `bytes` within the limits, flattens transparency onto white and scales the photo down to fit the
/// box, keeping its aspect ratio.
pub fn decode_and_fit(bytes: &[u8], policy: &DecodePolicy) -> Result<RgbImage, FetchError> {
    let format = image::guess_format(bytes).map_err(|_| FetchError::UnsupportedFormat)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) {
        return Err(FetchError::UnsupportedFormat);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(policy.max_width);
    limits.max_image_height = Some(policy.max_height);
    limits.max_alloc = Some(policy.max_alloc);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        ImageError::Limits(_) => FetchError::DecodeLimit,
        other => FetchError::Decode(other.to_string()),
    })?;
    fit(flatten(image), policy.fit_width, policy.fit_height)
}

/// RGB pixels; transparent parts become white (product photos with cut-out backgrounds).
fn flatten(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(src.0[3]);
        for i in 0..3 {
            dst.0[i] = ((u32::from(src.0[i]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

/// The size of a `w`×`h` photo scaled down to fit `box_w`×`box_h` (unchanged when it already fits).
pub fn fitted_size(w: u32, h: u32, box_w: u32, box_h: u32) -> (u32, u32) {
    if w <= box_w && h <= box_h {
        return (w, h);
    }
    let (w64, h64, bw, bh) = (u64::from(w), u64::from(h), u64::from(box_w), u64::from(box_h));
    // Width-limited when w/h >= bw/bh.
    let (nw, nh) =
        if w64 * bh >= h64 * bw { (bw, (h64 * bw + w64 / 2) / w64) } else { ((w64 * bh + h64 / 2) / h64, bh) };
    (nw.max(1) as u32, nh.max(1) as u32)
}

fn fit(image: RgbImage, box_w: u32, box_h: u32) -> Result<RgbImage, FetchError> {
    let (w, h) = image.dimensions();
    let (nw, nh) = fitted_size(w, h, box_w, box_h);
    if (nw, nh) == (w, h) {
        return Ok(image);
    }
    let mut out = RgbImage::new(nw, nh);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&image, &mut out, &options).map_err(|e| FetchError::Decode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgba, RgbaImage};

    const POLICY: DecodePolicy =
        DecodePolicy { max_width: 4096, max_height: 4096, max_alloc: 64 << 20, fit_width: 800, fit_height: 800 };

    #[test]
    fn sizes_fit_the_box_keeping_the_aspect_ratio() {
        assert_eq!(fitted_size(800, 800, 800, 800), (800, 800));
        assert_eq!(fitted_size(300, 200, 800, 800), (300, 200));
        assert_eq!(fitted_size(1600, 1600, 800, 800), (800, 800));
        assert_eq!(fitted_size(1920, 1080, 800, 800), (800, 450));
        assert_eq!(fitted_size(1080, 1920, 800, 800), (450, 800));
        assert_eq!(fitted_size(10_000, 1, 800, 800), (800, 1));
        assert_eq!(fitted_size(1000, 500, 750, 1200), (750, 375));
    }

    #[test]
    fn a_large_jpeg_is_decoded_and_scaled_down() {
        let jpeg = crate::sim::cdn::photo_jpeg(crate::platform::Platform::Jd, 100087654321).unwrap();
        let policy = DecodePolicy { fit_width: 400, fit_height: 300, ..POLICY };
        let img = decode_and_fit(&jpeg, &policy).unwrap();
        assert_eq!(img.dimensions(), (300, 300));
    }

    #[test]
    fn transparent_png_pixels_become_white() {
        let mut rgba = RgbaImage::new(4, 2);
        for (x, _, p) in rgba.enumerate_pixels_mut() {
            *p = if x < 2 { Rgba([0, 0, 0, 0]) } else { Rgba([10, 20, 30, 255]) };
        }
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(rgba.as_raw(), 4, 2, image::ExtendedColorType::Rgba8)
            .unwrap();
        let img = decode_and_fit(&png, &POLICY).unwrap();
        assert_eq!(img.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(img.get_pixel(3, 1).0, [10, 20, 30]);
    }

    #[test]
    fn bombs_are_refused_by_the_decode_limits() {
        let bomb = crate::sim::cdn::bomb_png(30_000, 30_000);
        assert_eq!(decode_and_fit(&bomb, &POLICY), Err(FetchError::DecodeLimit));
        // Within the dimension limits but too much memory: 4000×4000 RGBA, 16 bits a channel = 128 MB.
        let heavy = crate::sim::cdn::alloc_bomb_png();
        assert_eq!(decode_and_fit(&heavy, &POLICY), Err(FetchError::DecodeLimit));
    }

    #[test]
    fn other_formats_and_garbage_are_refused() {
        assert_eq!(decode_and_fit(b"<html>not found</html>", &POLICY), Err(FetchError::UnsupportedFormat));
        assert_eq!(decode_and_fit(b"GIF89a\x01\x00\x01\x00", &POLICY), Err(FetchError::UnsupportedFormat));
        let jpeg = crate::sim::cdn::photo_jpeg(crate::platform::Platform::Pdd, 1).unwrap();
        let truncated = &jpeg[..200];
        assert!(matches!(decode_and_fit(truncated, &POLICY), Err(FetchError::Decode(_))));
    }
}
