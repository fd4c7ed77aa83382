//! Simulated image CDN serving deterministic product photos, plus hostile test routes for the photo fetcher.
//!
//! Photos live at `/{platform}/{id}.jpg` (mounted under `/cdn`), the paths the simulated platforms hand out
//! (`SimItem::image_path`): an 800×800 JPEG, a diagonal gradient in colours derived from the item, with the
//! item id drawn across it in block digits. The same item always gets the same bytes.
//!
//! Test routes under `/test/`: `oversized.jpg` (6 MiB, with Content-Length), `oversized-stream.jpg` (the
//! same, streamed without Content-Length), `bomb.png` (a small PNG declaring 30000×30000 pixels whose data
//! inflates to 16 MiB of zeros), `alloc-bomb.png` (4000×4000 at 16 bits a channel: 128 MB to decode),
//! `not-an-image.jpg` (HTML), `slow.jpg` (answers after 30 s), `redirect?to=URL` (302 to any URL) and
//! `redirect-loop` (302 to itself). Every request is counted by path.

use crate::platform::Platform;
use crate::sim::support::lock;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use image::{Rgb, RgbImage};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Width and height of the generated photos.
pub const PHOTO_SIZE: u32 = 800;
/// Body size of the oversized test routes.
pub const OVERSIZED_BYTES: usize = 6 * 1024 * 1024;
/// How far the data of `bomb.png` inflates.
const BOMB_INFLATED_BYTES: usize = 16 * 1024 * 1024;

#[derive(Clone, Default)]
pub struct CdnSim {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Requests received, by path (relative to the mount point, e.g. `/pdd/386512047723.jpg`).
    requests: Mutex<HashMap<String, u64>>,
}

impl CdnSim {
    pub fn new() -> Self {
        CdnSim::default()
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/{platform}/{file}", get(photo))
            .route("/test/oversized.jpg", get(oversized))
            .route("/test/oversized-stream.jpg", get(oversized_stream))
            .route("/test/bomb.png", get(|| async { png_response(bomb_png(30_000, 30_000)) }))
            .route("/test/alloc-bomb.png", get(|| async { png_response(alloc_bomb_png()) }))
            .route("/test/not-an-image.jpg", get(not_an_image))
            .route("/test/slow.jpg", get(slow))
            .route("/test/redirect", get(redirect))
            .route("/test/redirect-loop", get(|| async { Redirect::to("redirect-loop") }))
            .layer(middleware::from_fn_with_state(self.clone(), count))
            .with_state(self.clone())
    }

    /// Requests received for `path` (relative to the mount point, e.g. `/pdd/386512047723.jpg`).
    pub fn requests_for(&self, path: &str) -> u64 {
        lock(&self.inner.requests).get(path).copied().unwrap_or(0)
    }

    /// All requests received.
    pub fn requests(&self) -> u64 {
        lock(&self.inner.requests).values().sum()
    }
}

async fn count(State(sim): State<CdnSim>, req: Request, next: Next) -> Response {
    *lock(&sim.inner.requests).entry(req.uri().path().to_string()).or_default() += 1;
    next.run(req).await
}

async fn photo(Path((platform, file)): Path<(String, String)>) -> Response {
    let platform = Platform::ALL.into_iter().find(|p| p.code() == platform);
    let id = file.strip_suffix(".jpg").filter(|d| (1..=20).contains(&d.len())).and_then(|d| d.parse::<u64>().ok());
    let (Some(platform), Some(id)) = (platform, id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::task::spawn_blocking(move || photo_jpeg(platform, id)).await {
        Ok(Ok(jpeg)) => {
            ([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "public, max-age=86400")], jpeg)
                .into_response()
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn oversized() -> Response {
    ([(header::CONTENT_TYPE, "image/jpeg")], oversized_body()).into_response()
}

async fn oversized_stream() -> Response {
    let chunks = oversized_body().chunks(64 * 1024).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>();
    ([(header::CONTENT_TYPE, "image/jpeg")], Body::from_stream(futures::stream::iter(chunks))).into_response()
}

fn png_response(png: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "image/png")], png).into_response()
}

async fn not_an_image() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], super::text::CAPTCHA_PAGE).into_response()
}

async fn slow() -> Response {
    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    StatusCode::NO_CONTENT.into_response()
}

async fn redirect(Query(q): Query<HashMap<String, String>>) -> Response {
    match q.get("to") {
        Some(to) => Redirect::to(to).into_response(),
        None => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// A JPEG start marker followed by filler: too large to be accepted, never decoded.
fn oversized_body() -> Vec<u8> {
    let mut body = vec![0xFF, 0xD8, 0xFF, 0xE0];
    body.extend((0..OVERSIZED_BYTES - 4).map(|i| (i % 251) as u8));
    body
}

/// The product photo of an item: an 800×800 gradient with the id drawn in block digits.
pub fn photo_jpeg(platform: Platform, id: u64) -> Result<Vec<u8>, image::ImageError> {
    let seed: [u8; 32] = Sha256::new().chain_update(platform.code()).chain_update(id.to_le_bytes()).finalize().into();
    let from = [seed[0], seed[1], seed[2]];
    let to = [seed[3], seed[4], seed[5]];
    let n = PHOTO_SIZE;
    let span = 2 * (n - 1);
    let mut img = RgbImage::from_fn(n, n, |x, y| {
        let t = x + y;
        let mix = |a: u8, b: u8| ((u32::from(a) * (span - t) + u32::from(b) * t) / span) as u8;
        Rgb([mix(from[0], to[0]), mix(from[1], to[1]), mix(from[2], to[2])])
    });
    draw_digits(&mut img, &id.to_string());
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img)?;
    Ok(out)
}

/// 3×5 block glyphs of the digits 0–9, one row per byte, bit 2 = left column.
const DIGITS: [[u8; 5]; 10] = [
    [7, 5, 5, 5, 7],
    [2, 6, 2, 2, 7],
    [7, 1, 7, 4, 7],
    [7, 1, 7, 1, 7],
    [5, 5, 7, 1, 1],
    [7, 4, 7, 1, 7],
    [7, 4, 7, 5, 7],
    [7, 1, 1, 1, 1],
    [7, 5, 7, 5, 7],
    [7, 5, 7, 1, 7],
];

/// Draws `digits` centred on a dark band, white blocks.
fn draw_digits(img: &mut RgbImage, digits: &str) {
    let cols = (digits.len() as u32 * 4).saturating_sub(1).max(1);
    let cell = ((img.width() * 7 / 8) / cols).clamp(1, 40);
    let (w, h) = (cols * cell, 5 * cell);
    let (x0, y0) = ((img.width() - w) / 2, (img.height() - h) / 2);
    for y in y0.saturating_sub(cell)..(y0 + h + cell).min(img.height()) {
        for x in x0.saturating_sub(cell)..(x0 + w + cell).min(img.width()) {
            img.put_pixel(x, y, Rgb([24, 24, 24]));
        }
    }
    for (i, d) in digits.bytes().enumerate() {
        let glyph = DIGITS[usize::from(d.wrapping_sub(b'0')) % 10];
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..3u32 {
                if bits & (4 >> col) == 0 {
                    continue;
                }
                let gx = x0 + (i as u32 * 4 + col) * cell;
                let gy = y0 + row as u32 * cell;
                for y in gy..gy + cell {
                    for x in gx..gx + cell {
                        img.put_pixel(x, y, Rgb([255, 255, 255]));
                    }
                }
            }
        }
    }
}

/// A small PNG declaring `width`×`height` 8-bit RGB pixels whose data inflates to 16 MiB of zeros.
pub fn bomb_png(width: u32, height: u32) -> Vec<u8> {
    png(width, height, 8, 2, &zlib_zeros(BOMB_INFLATED_BYTES))
}

/// A PNG within usual dimension limits whose decoded pixels need 128 MB: 4000×4000 RGBA, 16 bits a channel.
pub fn alloc_bomb_png() -> Vec<u8> {
    png(4000, 4000, 16, 6, &zlib_zeros(1024))
}

fn png(width: u32, height: u32, depth: u8, color: u8, idat: &[u8]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([depth, color, 0, 0, 0]);
    for (kind, data) in [(b"IHDR", ihdr.as_slice()), (b"IDAT", idat), (b"IEND", &[])] {
        out.extend((data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend(kind);
        out.extend(data);
        let crc = crc32(&out[start..]);
        out.extend(crc.to_be_bytes());
    }
    out
}

/// A zlib stream of `n` zero bytes: one fixed-Huffman block of a literal 0 and back-references of 258 bytes at
/// distance 1 (13 bits for every 258 bytes).
fn zlib_zeros(n: usize) -> Vec<u8> {
    let mut bits = BitWriter::default();
    bits.put(0b1, 1); // BFINAL
    bits.put(0b01, 2); // BTYPE = fixed Huffman
    let mut left = n;
    if left > 0 {
        bits.put_code(0b0011_0000, 8); // literal 0
        left -= 1;
    }
    while left > 0 {
        // Lengths 3..=258; keep the remainder from falling below 3.
        let len = if left >= 258 + 3 || left == 258 {
            258
        } else if left > 258 {
            left - 3
        } else {
            left
        };
        if len < 3 {
            for _ in 0..len {
                bits.put_code(0b0011_0000, 8);
            }
        } else {
            put_length(&mut bits, len);
            bits.put_code(0, 5); // distance code 0: distance 1
        }
        left -= len;
    }
    bits.put_code(0, 7); // end of block
    let mut out = vec![0x78, 0x01];
    out.extend(bits.finish());
    // Adler-32 of n zeros: a stays 1, b adds 1 per byte.
    let b = (n % 65_521) as u32;
    out.extend(((b << 16) | 1).to_be_bytes());
    out
}

/// A deflate length 3..=258 with the fixed Huffman code of its length symbol and the extra bits.
fn put_length(bits: &mut BitWriter, len: usize) {
    const BASE: [usize; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ];
    const EXTRA: [u32; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
    let i = BASE.iter().rposition(|&b| b <= len).unwrap_or(0);
    let symbol = 257 + i as u32;
    if symbol <= 279 {
        bits.put_code(symbol - 256, 7);
    } else {
        bits.put_code(0b1100_0000 + (symbol - 280), 8);
    }
    bits.put((len - BASE[i]) as u32, EXTRA[i]);
}

/// Deflate bit order: values LSB first, Huffman codes MSB first.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.acc |= ((value >> i) & 1) << self.n;
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
    }

    fn put_code(&mut self, code: u32, count: u32) {
        for i in (0..count).rev() {
            self.put((code >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_deterministic_per_item_and_decode_to_800_square() {
        let a = photo_jpeg(Platform::Pdd, 386512047723).unwrap();
        assert_eq!(a, photo_jpeg(Platform::Pdd, 386512047723).unwrap());
        assert_ne!(a, photo_jpeg(Platform::Jd, 386512047723).unwrap());
        assert_ne!(a, photo_jpeg(Platform::Pdd, 386512047724).unwrap());
        let img = image::load_from_memory(&a).unwrap();
        assert_eq!((img.width(), img.height()), (PHOTO_SIZE, PHOTO_SIZE));
    }

    #[test]
    fn the_bomb_is_small_and_its_data_is_a_valid_zlib_stream_of_zeros() {
        let bomb = bomb_png(30_000, 30_000);
        assert!(bomb.len() < 128 * 1024, "{} bytes", bomb.len());
        // Decoding the data with the real inflater (the PNG decoder's) at a size the limits allow proves the
        // stream is valid: 1000 rows of (1 filter byte + 1000 × 3) bytes ≈ 3 MB, all zeros = a black image.
        let small = png(1000, 1000, 8, 2, &zlib_zeros(1000 * (1 + 3000)));
        let img = image::load_from_memory(&small).unwrap().into_rgb8();
        assert_eq!(img.dimensions(), (1000, 1000));
        assert!(img.pixels().all(|p| p.0 == [0, 0, 0]));
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
