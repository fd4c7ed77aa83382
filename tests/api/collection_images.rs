//! A source's own picture sent with a deal: forwarded as it is only when the source allows it and a QR scan of it
//! finds no code; a picture with a QR code (the source's own link) is replaced by our poster, whose QR is ours.

use crate::admin_helpers::{partner_group, robot_id};
use crate::helpers::{TestApp, TestDb, eventually};
use dealbot::collection::SourceSpec;
use dealbot::platform::Platform;
use dealbot::sim::gewe::{SentKind, SentMessage};
use dealbot::store::pids::PidOwner;
use std::io::Cursor;
use std::time::Duration;

on_both_engines!(a_source_picture_goes_as_it_is_only_without_a_qr_code);

const TARGET: &str = "49000000001@chatroom";
const PID: u64 = 3_100_000_401;
const SOURCE: &str = "49000000101@chatroom";
const POSTER: &str = "wxid_xianbao_poster";
const FOREIGN: &str = "https://u.jd.com/sourceQR1";

fn png(img: image::GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageLuma8(img).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

fn decode_qr(bytes: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(bytes).expect("the picture decodes").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared.detect_grids().into_iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect()
}

/// The source says a picture, then the deal's text; returns the picture and text the target group got.
async fn deal_with_picture(app: &TestApp, picture: Vec<u8>, text: &str) -> (SentMessage, SentMessage) {
    let gewe = &app.sim.sims.gewe;
    gewe.deliver_image(SOURCE, POSTER, "线报员", picture).await.unwrap();
    gewe.deliver_text(SOURCE, POSTER, "线报员", text).await.unwrap();
    let first_line = text.lines().next().unwrap().to_string();
    eventually("the deal's picture and text in the target group", Duration::from_secs(60), || async {
        let sent = gewe.sent();
        let text = sent
            .iter()
            .position(|m| m.to_wxid == TARGET && m.kind == SentKind::Text && m.content.starts_with(&first_line))?;
        let image = sent[..text].iter().rev().find(|m| m.to_wxid == TARGET && m.kind == SentKind::Image)?;
        Some((image.clone(), sent[text].clone()))
    })
    .await
}

async fn a_source_picture_goes_as_it_is_only_without_a_qr_code(db: TestDb) {
    assert!(!SourceSpec::default().keep_images, "off by default");
    let app = TestApp::spawn_on(db, |_| {}).await;
    let now = app.clock.now_ms();
    let (target, _) = partner_group(&app, "群主", TARGET, "福利群").await;
    app.sim.sims.jd.add_position(PID, "福利群");
    app.store.set_pid(Platform::Jd, &PID.to_string(), TARGET, PidOwner::Group(target), now).await.unwrap();
    let source = app.store.ensure_group(robot_id(&app), SOURCE, false, now).await.unwrap().id;
    let spec = SourceSpec {
        targets: vec![target],
        senders: vec![POSTER.into()],
        keep_images: true,
        gap_secs: 0,
        ..SourceSpec::default()
    };
    app.store.save_collect_source(source, &spec, now).await.unwrap();

    // A picture without any code goes as it is.
    let plain = png(image::GrayImage::from_fn(240, 180, |x, y| image::Luma([((x * 3 + y) % 256) as u8])));
    let skus: Vec<u64> = (100_012_060_000u64..)
        .filter(|id| dealbot::sim::catalog::item_by_id(Platform::Jd, *id).commission_bps > 0)
        .take(2)
        .collect();
    let text = format!("【京东】抽纸 24 包 券后 19.9\nhttps://item.jd.com/{}.html", skus[0]);
    let (image, _) = deal_with_picture(&app, plain, &text).await;
    let bytes = image.image_bytes.as_ref().expect("the gateway fetched the picture");
    let got = image::load_from_memory(bytes).unwrap();
    assert_eq!((got.width(), got.height()), (240, 180), "the source's own picture");
    assert!(decode_qr(bytes).is_empty());

    // A picture with the source's QR code is replaced by our poster, whose QR is the group's own link.
    let code = qrcode::QrCode::new(FOREIGN.as_bytes()).unwrap();
    let with_qr = png(code.render::<image::Luma<u8>>().min_dimensions(300, 300).build());
    let text = format!("【京东】洗衣液 3 瓶 券后 29.9\nhttps://item.jd.com/{}.html", skus[1]);
    let (image, text) = deal_with_picture(&app, with_qr, &text).await;
    let codes = decode_qr(image.image_bytes.as_ref().expect("the gateway fetched the poster"));
    assert_eq!(codes.len(), 1, "our poster's QR");
    assert_ne!(codes[0], FOREIGN);
    assert!(text.content.contains(&codes[0]), "the poster's QR is the text's link: {}", text.content);
    assert!(!text.content.contains(FOREIGN));
}
