//! The poster of a list post: one image naming every item of the post, a row each with the item's photo, title,
//! price after coupon, coupon badge and the QR code of the group's own link for that item, so that a member scans
//! the item they want straight from the picture (one QR for a list page would need a page of our own that
//! outlives the post; the items' own links already carry the group's PID and the post's tag).

use super::fonts::Fonts;
use super::labels;
use super::linebreak;
use super::pen::{Align, Pen};
use super::qr::{self, fill};
use super::template::{Color, MIN_QR_PX, PhotoSpec};
use crate::affiliate::Product;
use image::{Rgb, RgbImage};

const WIDTH: u32 = 750;
const HEADER: u32 = 110;
const PAD: u32 = 24;
const PHOTO: u32 = 180;
const QR: u32 = MIN_QR_PX + 20;
const ROW: u32 = QR + 2 * PAD;
const BACKGROUND: Rgb<u8> = Rgb([255, 255, 255]);
const ACCENT: Rgb<u8> = Rgb([228, 57, 60]);
const INK: Rgb<u8> = Rgb([40, 40, 40]);
const RULE: Rgb<u8> = Rgb([230, 230, 230]);

/// One row of the list.
pub struct ListEntry<'a> {
    pub product: &'a Product,
    /// The group's own link for the item, encoded in the row's QR code.
    pub qr_url: &'a str,
    pub photo: Option<&'a RgbImage>,
}

/// The height of a list poster of `rows` items.
pub fn height(rows: usize) -> u32 {
    HEADER + ROW * rows as u32 + PAD
}

/// Draws the list: `heading` in the header band, then a row per entry, top to bottom in the post's order.
pub fn compose(fonts: &Fonts, heading: &str, entries: &[ListEntry<'_>]) -> Result<RgbImage, qrcode::types::QrError> {
    let mut canvas = RgbImage::from_pixel(WIDTH, height(entries.len()), BACKGROUND);
    fill(&mut canvas, 0, 0, WIDTH, HEADER, ACCENT);
    let head = Pen { chain: &fonts.bold, size: 44.0 };
    head.draw(&mut canvas, WIDTH as f32 / 2.0, (HEADER as f32 - 44.0) / 2.0, Align::Center, BACKGROUND, heading);
    for (i, e) in entries.iter().enumerate() {
        let top = HEADER + ROW * i as u32;
        if i > 0 {
            fill(&mut canvas, i64::from(PAD), i64::from(top), WIDTH - 2 * PAD, 2, RULE);
        }
        row(&mut canvas, fonts, i + 1, top, e)?;
    }
    Ok(canvas)
}

fn row(
    canvas: &mut RgbImage,
    fonts: &Fonts,
    number: usize,
    top: u32,
    e: &ListEntry<'_>,
) -> Result<(), qrcode::types::QrError> {
    let p = e.product;
    let photo_top = top + (ROW - PHOTO) / 2;
    let spec = PhotoSpec { x: PAD, y: photo_top, w: PHOTO, h: PHOTO, placeholder: Color(Rgb([240, 240, 240])) };
    let label = Pen { chain: &fonts.bold, size: 28.0 };
    super::photo::draw(canvas, &spec, e.photo, &label, p.platform.display_name());
    // The row's number on the photo's corner, so the text's numbered list and the picture agree.
    fill(canvas, i64::from(PAD), i64::from(photo_top), 44, 44, ACCENT);
    label.draw(canvas, (PAD + 22) as f32, (photo_top + 8) as f32, Align::Center, BACKGROUND, &number.to_string());

    let qr_x = WIDTH - PAD - QR;
    let text_x = PAD + PHOTO + 20;
    let text_w = (qr_x - 16 - text_x) as f32;
    let title = Pen { chain: &fonts.regular, size: 26.0 };
    let mut y = photo_top as f32;
    for line in linebreak::wrap(&labels::clean_title(&p.title), text_w, 3, |c| title.advance(c)) {
        title.draw(canvas, text_x as f32, y, Align::Left, INK, &line);
        y += 26.0 * 1.3;
    }
    let price = Pen { chain: &fonts.bold, size: 36.0 };
    let price_top = (photo_top + PHOTO) as f32 - 36.0;
    let (_, w) = price.draw(canvas, text_x as f32, price_top, Align::Left, ACCENT, &labels::price(p.final_price));
    if let Some(c) = p.coupon.as_ref().filter(|c| c.amount.0 > 0) {
        let badge = Pen { chain: &fonts.bold, size: 22.0 };
        let text = labels::coupon(c.amount);
        let bx = text_x as f32 + w + 12.0;
        let bw = badge.width(&text) + 12.0;
        if bx + bw <= text_x as f32 + text_w {
            fill(canvas, bx.round() as i64, (price_top + 6.0).round() as i64, bw.round() as u32, 30, ACCENT);
            badge.draw(canvas, bx + 6.0, price_top + 10.0, Align::Left, BACKGROUND, &text);
        }
    }
    qr::draw(canvas, e.qr_url, qr_x, top + PAD, QR)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poster::fonts::tests::shipped;
    use crate::poster::qr::tests::decode;
    use crate::poster::tests::product;

    #[test]
    fn every_row_has_its_own_qr_code_in_order_also_after_recompression() {
        let fonts = shipped();
        let titles = ["小米充电宝 20000毫安 快充", "维达抽纸 3层120抽 24包整箱", "农夫山泉 550ml×24瓶"];
        let products: Vec<Product> = titles.iter().map(|t| product(t)).collect();
        let links: Vec<String> = (0..5).map(|i| format!("https://p.pinduoduo.com/Lst{i}Xy")).collect();
        let entries: Vec<ListEntry<'_>> =
            products.iter().zip(&links).map(|(p, l)| ListEntry { product: p, qr_url: l, photo: None }).collect();
        let img = compose(fonts, "今日好价 3 件", &entries).unwrap();
        assert_eq!(img.dimensions(), (WIDTH, height(3)));
        // Each row decodes on its own, to its own link.
        for (i, link) in links.iter().take(3).enumerate() {
            let band = image::imageops::crop_imm(&img, 0, HEADER + ROW * i as u32, WIDTH, ROW).to_image();
            assert_eq!(decode(&band), std::slice::from_ref(link), "row {i}");
        }
        let jpeg = crate::poster::encode::jpeg(&img, 80, crate::poster::encode::MAX_BYTES).unwrap();
        let back = image::load_from_memory(&jpeg).unwrap().to_rgb8();
        let mut all = decode(&back);
        all.sort();
        assert_eq!(all, links[..3].to_vec());
    }
}
