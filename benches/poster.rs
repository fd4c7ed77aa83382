//! Poster rendering on one core, for each shipped template, with the 800×800 JPEG product photo in
//! `docs/posters/sample-photo.jpg`:
//!
//! - `cold/<template>`: decode the photo, then render (resize, compose, QR, JPEG encode), no cache;
//! - `cached/<template>`: the same request again through `Renderer::render`, served by the poster cache;
//! - `floor/decode_resize_encode`: the bare floor measured in the same run: decode the photo, resize it to
//!   750×750 into a 750×1200 canvas, and encode that canvas at the same quality.
//!
//! Run: `taskset -c 0 cargo bench --bench poster`. Figures are in docs/benchmarks.md.

use criterion::{Criterion, criterion_group, criterion_main};
use dealbot::affiliate::{Coupon, Product, Promotion};
use dealbot::config::PosterSettings;
use dealbot::money::{Bps, Fen};
use dealbot::platform::Platform;
use dealbot::poster::{PosterRequest, Renderer, encode};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{Rgb, RgbImage};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

const PHOTO: &[u8] = include_bytes!("../docs/posters/sample-photo.jpg");

fn request(template: &str) -> PosterRequest {
    PosterRequest {
        product: Product {
            platform: Platform::Jd,
            item_id: "100012043978".into(),
            title: "【官方旗舰店】小米Redmi Note 13 Pro 5G手机，2亿像素超清影像！1.5K高光屏《限时》67W闪充（12GB+256GB）“星沙白”".into(),
            image_url: None,
            shop_name: Some("小米京东自营旗舰店".into()),
            sales: Some(12_345),
            sales_text: None,
            price: Fen(159_900),
            coupon: Some(Coupon { amount: Fen(20_000), threshold: Fen(0), starts_at: None, ends_at: None }),
            final_price: Fen(139_900),
            commission_rate: Bps(300),
            estimated_commission: Fen(4197),
        },
        promotion: Promotion {
            url: "https://union-click.jd.com/jdc?e=&p=JF8BAKEJK1olXDYCVV9cAUwSA18".into(),
            short_url: Some("https://u.jd.com/Xk3PqZa".into()),
            command: None,
            expires_at: None,
        },
        qr_url: "https://u.jd.com/Xk3PqZa".into(),
        template: Some(template.into()),
        rebate: Some(Fen(123)),
    }
}

fn decode(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes).map(|i| i.to_rgb8()).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let settings = PosterSettings {
        templates_dir: root.join("assets/posters").display().to_string(),
        fonts_dir: root.join("fonts").display().to_string(),
        ..PosterSettings::default()
    };
    let renderer = Renderer::new(&settings).unwrap_or_else(|e| panic!("{e}"));
    let quality = settings.jpeg_quality;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));

    let mut g = c.benchmark_group("poster");
    g.bench_function("floor/decode_resize_encode", |b| {
        b.iter(|| {
            let photo = decode(black_box(PHOTO));
            let mut canvas = RgbImage::from_pixel(750, 1200, Rgb([255, 255, 255]));
            let mut fitted = RgbImage::new(750, 750);
            let options = ResizeOptions::new()
                .resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom))
                .fit_into_destination(None);
            Resizer::new().resize(&photo, &mut fitted, &options).unwrap_or_else(|e| panic!("{e}"));
            image::imageops::replace(&mut canvas, &fitted, 0, 0);
            black_box(encode::jpeg(&canvas, quality, encode::MAX_BYTES).unwrap_or_default())
        })
    });
    for name in renderer.template_names() {
        let req = request(&name);
        g.bench_function(format!("cold/{name}"), |b| {
            b.iter(|| {
                let photo = decode(black_box(PHOTO));
                black_box(renderer.render_now(&req, Some(&photo)).unwrap_or_else(|e| panic!("{e}")))
            })
        });
        let photo = Arc::new(decode(PHOTO));
        rt.block_on(renderer.render(req.clone(), Some(photo.clone()))).unwrap_or_else(|e| panic!("{e}"));
        g.bench_function(format!("cached/{name}"), |b| {
            b.iter(|| {
                let poster = rt.block_on(renderer.render(req.clone(), Some(photo.clone())));
                black_box(poster.unwrap_or_else(|e| panic!("{e}")))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
