//! Whole-poster tests: every shipped template renders, and its QR code decodes to the exact promotion link, also
//! after WeChat-style recompression.

use super::fonts::tests::shipped;
use super::template::tests::shipped_dir;
use super::*;
use crate::affiliate::Coupon;
use crate::config::PosterSettings;
use crate::money::{Bps, Fen};
use image::Rgb;

pub(crate) fn product(title: &str) -> Product {
    Product {
        platform: Platform::Jd,
        item_id: "100012043978".into(),
        title: title.into(),
        image_url: None,
        shop_name: Some("小米京东自营旗舰店".into()),
        sales: Some(12_345),
        sales_text: None,
        price: Fen(159_900),
        coupon: Some(Coupon { amount: Fen(20_000), threshold: Fen(0), starts_at: None, ends_at: None }),
        final_price: Fen(139_900),
        commission_rate: Bps(300),
        estimated_commission: Fen(4197),
    }
}

pub(crate) const TITLE: &str =
    "【官方旗舰店】小米Redmi Note 13 Pro 5G手机，2亿像素超清影像！1.5K高光屏《限时》67W闪充（12GB+256GB）“星沙白”";
pub(crate) const LINK: &str = "https://u.jd.com/Xk3PqZa";

pub(crate) fn request(template: &str) -> PosterRequest {
    PosterRequest {
        product: product(TITLE),
        promotion: Promotion {
            url: "https://union-click.jd.com/jdc?e=&p=JF8BAKEJK1olXDYCVV9cAUwSA18".into(),
            short_url: Some(LINK.into()),
            command: None,
            expires_at: None,
        },
        qr_url: LINK.into(),
        template: Some(template.into()),
        rebate: Some(product(TITLE).estimated_commission),
    }
}

/// A synthetic product photo: smooth gradients and hard-edged shapes, like a packshot.
pub(crate) fn photo(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let in_box = (w / 4..3 * w / 4).contains(&x) && (h / 3..2 * h / 3).contains(&y);
        if in_box { Rgb([30, 60 + (x % 97) as u8, 200]) } else { Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 180]) }
    })
}

fn settings() -> PosterSettings {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    PosterSettings {
        templates_dir: shipped_dir().display().to_string(),
        fonts_dir: root.join("fonts").display().to_string(),
        ..PosterSettings::default()
    }
}

fn decode_qr(jpeg: &[u8]) -> Vec<String> {
    let luma = image::load_from_memory(jpeg).map(|i| i.to_luma8()).unwrap_or_default();
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    prepared.detect_grids().iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect()
}

fn reencode(jpeg: &[u8], quality: u8) -> Vec<u8> {
    let img = image::load_from_memory(jpeg).map(|i| i.to_rgb8()).unwrap_or_default();
    encode::jpeg(&img, quality, usize::MAX).unwrap_or_default()
}

#[test]
fn every_template_renders_a_poster_whose_qr_decodes_to_the_link_even_after_recompression() {
    let templates = Templates::load(&shipped_dir(), "classic").unwrap_or_else(|e| panic!("{e}"));
    let pic = photo(800, 800);
    for name in templates.names() {
        let t = templates.choose(Some(&name));
        for with_photo in [true, false] {
            let poster = render(shipped(), &t, &request(&name), with_photo.then_some(&pic), 85)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!((poster.width, poster.height), (t.layout.canvas.width, t.layout.canvas.height));
            assert!(poster.jpeg.len() <= encode::MAX_BYTES, "{name}: {} bytes", poster.jpeg.len());
            assert_eq!(decode_qr(&poster.jpeg), [LINK], "{name} (photo: {with_photo})");
            let wechat = reencode(&poster.jpeg, 60);
            assert_eq!(decode_qr(&wechat), [LINK], "{name} after quality 60 (photo: {with_photo})");
            // WeChat also scales images down for preview.
            let small = image::load_from_memory(&poster.jpeg)
                .map(|i| i.resize(i.width() * 2 / 3, i.height() * 2 / 3, image::imageops::FilterType::Triangle))
                .map(|i| i.to_rgb8())
                .unwrap_or_default();
            let small = encode::jpeg(&small, 60, usize::MAX).unwrap_or_default();
            assert_eq!(decode_qr(&small), [LINK], "{name} scaled to 2/3 at quality 60");
        }
    }
}

/// A full union URL (when a union made no short link): up to 160 bytes it survives recompression in every
/// template; up to 220 bytes the poster as sent decodes.
#[test]
fn a_long_promotion_url_without_a_short_link_still_decodes() {
    let templates = Templates::load(&shipped_dir(), "classic").unwrap_or_else(|e| panic!("{e}"));
    let url = |n: usize| {
        let base = "https://mobile.yangkeduo.com/duo_coupon_landing.html?pid=1234567_289876543&goods_sign=";
        format!("{base}{}", "E9x2".repeat((n - base.len()) / 4))
    };
    for name in templates.names() {
        let t = templates.choose(Some(&name));
        for (len, after_recompression) in [(120, true), (160, true), (220, false)] {
            let mut req = request(&name);
            req.qr_url = url(len);
            let poster = render(shipped(), &t, &req, None, 85).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(decode_qr(&poster.jpeg), [req.qr_url.clone()], "{name}, {len} bytes");
            if after_recompression {
                let wechat = reencode(&poster.jpeg, 60);
                assert_eq!(decode_qr(&wechat), [req.qr_url.clone()], "{name}, {len} bytes, quality 60");
            }
        }
    }
}

#[test]
fn a_title_with_rare_characters_has_a_real_glyph_for_every_character() {
    let title = "焗油膏 啰 玥 珺 镕 喆 堃 昇 冇 嘢 鿰鿿 🔥 iPhone 15";
    let cleaned = labels::clean_title(title);
    assert!(!cleaned.contains('🔥'));
    let fonts = shipped();
    for c in cleaned.chars().filter(|c| !c.is_whitespace()) {
        let r = fonts.regular.resolve(c);
        assert!(r.is_some_and(|r| r.glyph.0 != 0), "no glyph for {c} (U+{:04X})", c as u32);
    }
    // The wrapped lines keep every character: nothing was dropped for want of a glyph.
    let pen = pen::Pen { chain: &fonts.regular, size: 34.0 };
    let lines = linebreak::wrap(&cleaned, 690.0, 3, |c| pen.advance(c));
    assert_eq!(lines.concat().replace(' ', ""), cleaned.replace(' ', ""));
    assert!(cleaned.chars().all(|c| c == ' ' || pen.advance(c) > 0.0));
    // And it renders.
    let templates = Templates::load(&shipped_dir(), "classic").unwrap_or_else(|e| panic!("{e}"));
    let mut req = request("classic");
    req.product.title = title.into();
    assert!(render(fonts, &templates.choose(None), &req, None, 85).is_ok());
}

#[tokio::test]
async fn a_repeated_poster_comes_from_the_cache_and_a_price_change_renders_anew() {
    let renderer = Renderer::new(&settings()).unwrap_or_else(|e| panic!("{e}"));
    assert!(renderer.template_names().contains(&"festival".to_string()));
    let first = renderer.render(request("card"), None).await.unwrap_or_else(|e| panic!("{e}"));
    let again = renderer.render(request("card"), None).await.unwrap_or_else(|e| panic!("{e}"));
    // Same bytes object: served from the cache, not re-encoded.
    assert_eq!(first.jpeg.as_ptr(), again.jpeg.as_ptr());
    let mut cheaper = request("card");
    cheaper.product.final_price = Fen(129_900);
    let third = renderer.render(cheaper, None).await.unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(first.jpeg.as_ptr(), third.jpeg.as_ptr());
    assert_ne!(first.jpeg, third.jpeg);
}

#[tokio::test]
async fn an_unknown_template_name_falls_back_to_the_default() {
    let renderer = Renderer::new(&settings()).unwrap_or_else(|e| panic!("{e}"));
    let poster = renderer.render(request("removed-template"), None).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((poster.width, poster.height), (750, 1200));
}
