//! A source's own picture, forwarded as it is only when it carries no QR code (the source's QR would send our
//! members to the source's links). Pure: decode within bounds, scan with rqrr, re-encode as JPEG.

use image::{ImageReader, Limits};
use std::io::Cursor;

/// Largest picture downloaded from a source, in bytes.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// Largest side accepted, in pixels.
const MAX_SIDE: u32 = 4096;

/// What a source picture turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspected {
    /// No QR code found: the picture re-encoded as JPEG, to forward.
    Clean(Vec<u8>),
    /// A QR code (readable or not) is in it.
    HasCode,
    /// Not a picture we can read within the bounds.
    Unreadable,
}

/// Decodes `bytes` (within [`MAX_SIDE`] and a memory bound), looks for QR codes and, when there is none, encodes
/// the picture as JPEG.
pub fn inspect(bytes: &[u8]) -> Inspected {
    let Ok(mut reader) = ImageReader::new(Cursor::new(bytes)).with_guessed_format() else {
        return Inspected::Unreadable;
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let Ok(picture) = reader.decode() else { return Inspected::Unreadable };
    let mut prepared = rqrr::PreparedImage::prepare(picture.to_luma8());
    if !prepared.detect_grids().is_empty() {
        return Inspected::HasCode;
    }
    let mut jpeg = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90);
    match picture.to_rgb8().write_with_encoder(encoder) {
        Ok(()) => Inspected::Clean(jpeg),
        Err(_) => Inspected::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(img: image::GrayImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::DynamicImage::ImageLuma8(img).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn a_picture_with_a_qr_code_is_told_apart_from_one_without() {
        let plain = image::GrayImage::from_fn(240, 180, |x, y| image::Luma([((x * 3 + y) % 256) as u8]));
        let Inspected::Clean(jpeg) = inspect(&png(plain)) else { panic!("a plain picture is clean") };
        let back = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (240, 180));

        let code = qrcode::QrCode::new(b"https://u.jd.com/source").unwrap();
        let qr = code.render::<image::Luma<u8>>().min_dimensions(200, 200).build();
        assert_eq!(inspect(&png(qr)), Inspected::HasCode);
        assert_eq!(inspect(b"not a picture"), Inspected::Unreadable);
    }
}
