//! Composes a poster from a template and a product: background, rectangles, photo, title, price row, badges,
//! shop, sales, fixed labels and the QR code with its caption.

use super::fonts::Fonts;
use super::labels;
use super::linebreak;
use super::pen::{Align, Pen};
use super::qr::{self, fill};
use super::template::{BadgeSpec, Layout, TextSpec};
use crate::affiliate::{Product, Promotion};
use crate::money::Fen;
use image::RgbImage;

/// What a poster shows.
pub struct Content<'a> {
    pub product: &'a Product,
    pub promotion: &'a Promotion,
    /// The link in the QR code.
    pub qr_url: &'a str,
    /// The member's estimated rebate, when the group shows it.
    pub rebate: Option<Fen>,
}

pub fn compose(
    fonts: &Fonts,
    l: &Layout,
    c: &Content<'_>,
    photo: Option<&RgbImage>,
) -> Result<RgbImage, qrcode::types::QrError> {
    let mut canvas = RgbImage::from_pixel(l.canvas.width, l.canvas.height, l.canvas.background.0);
    let p = c.product;
    for r in &l.rects {
        fill(&mut canvas, i64::from(r.x), i64::from(r.y), r.w, r.h, r.color.0);
    }
    if let Some(spec) = &l.photo {
        let pen = Pen { chain: &fonts.bold, size: (spec.w.min(spec.h) as f32 / 8.0).clamp(16.0, 96.0) };
        super::photo::draw(&mut canvas, spec, photo, &pen, p.platform.display_name());
    }

    let t = &l.title;
    let pen = Pen { chain: &fonts.regular, size: t.size };
    let title = labels::clean_title(&p.title);
    for (i, line) in linebreak::wrap(&title, t.w as f32, t.max_lines, |ch| pen.advance(ch)).iter().enumerate() {
        let top = t.y as f32 + i as f32 * t.size * t.line_height;
        pen.draw(&mut canvas, t.x as f32, top, Align::Left, t.color.0, line);
    }

    price_row(&mut canvas, fonts, l, p);

    if let (Some(spec), Some(coupon)) = (&l.coupon, p.coupon.as_ref().filter(|k| k.amount.0 > 0)) {
        badge(&mut canvas, fonts, spec, &labels::coupon(coupon.amount));
    }
    if let Some(spec) = &l.platform {
        badge(&mut canvas, fonts, spec, p.platform.display_name());
    }
    if let (Some(spec), Some(rebate)) = (l.rebate.as_ref(), c.rebate.filter(|r| r.0 > 0)) {
        text(&mut canvas, fonts, spec, &labels::rebate(rebate));
    }
    if let (Some(spec), Some(shop)) = (&l.shop, p.shop_name.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
        text(&mut canvas, fonts, spec, shop);
    }
    if let (Some(spec), Some(sales)) = (&l.sales, labels::sales(p.sales, p.sales_text.as_deref())) {
        text(&mut canvas, fonts, spec, &sales);
    }
    for label in &l.labels {
        text(&mut canvas, fonts, &label.at, &label.text);
    }

    let q = &l.qr;
    let side = qr::draw(&mut canvas, c.qr_url, q.x, q.y, q.size)?;
    if let Some(cap) = &q.caption {
        let pen = Pen { chain: &fonts.regular, size: cap.size };
        let bottom = q.y as f32 + (q.size as f32 + side as f32) / 2.0;
        let top = bottom.max((q.y + q.size) as f32) + cap.gap as f32;
        pen.draw(&mut canvas, q.x as f32 + q.size as f32 / 2.0, top, Align::Center, cap.color.0, &cap.text);
    }
    Ok(canvas)
}

/// `券后价 ¥12.90 ¥19.90`: label, price (a smaller `¥`), and the struck-through original price, on one baseline.
fn price_row(canvas: &mut RgbImage, fonts: &Fonts, l: &Layout, p: &Product) {
    let s = &l.price;
    let baseline = s.y as f32 + s.size * 0.88;
    let top_for = |size: f32| baseline - size * 0.88;
    let mut x = s.x as f32;
    let discounted = p.final_price < p.price;
    if let Some(label) = s.label.as_deref().filter(|_| discounted && p.coupon.is_some()) {
        let pen = Pen { chain: &fonts.regular, size: s.label_size };
        let (_, w) = pen.draw(canvas, x, top_for(s.label_size), Align::Left, s.color.0, label);
        x += w + s.label_size * 0.3;
    }
    let price = labels::price(p.final_price);
    let (sign, digits) = price.split_at('¥'.len_utf8());
    let small = Pen { chain: &fonts.bold, size: s.size * 0.55 };
    let (_, w) = small.draw(canvas, x, top_for(small.size), Align::Left, s.color.0, sign);
    x += w + s.size * 0.04;
    let big = Pen { chain: &fonts.bold, size: s.size };
    let (_, w) = big.draw(canvas, x, top_for(s.size), Align::Left, s.color.0, digits);
    x += w;
    if let Some(o) = s.original.as_ref().filter(|_| discounted) {
        let (ox, otop) = match (o.x, o.y) {
            (Some(ox), Some(oy)) => (ox as f32, oy as f32),
            _ => (x + o.gap as f32, top_for(o.size)),
        };
        let pen = Pen { chain: &fonts.regular, size: o.size };
        let (left, w) = pen.draw(canvas, ox, otop, Align::Left, o.color.0, &labels::price(p.price));
        let thickness = (o.size / 14.0).round().max(2.0) as u32;
        let y = otop + o.size * (0.88 - 0.33) - thickness as f32 / 2.0;
        fill(canvas, left.round() as i64, y.round() as i64, w.round() as u32, thickness, o.color.0);
    }
}

/// A filled badge with its text, anchored by `align` at `x`.
fn badge(canvas: &mut RgbImage, fonts: &Fonts, spec: &BadgeSpec, label: &str) {
    let pen = Pen { chain: &fonts.bold, size: spec.size };
    let pad = spec.padding as f32;
    let w = pen.width(label) + 2.0 * pad;
    let h = spec.size + pad * 2.0 * 0.6;
    let left = match spec.align {
        Align::Left => spec.x as f32,
        Align::Center => spec.x as f32 - w / 2.0,
        Align::Right => spec.x as f32 - w,
    };
    fill(canvas, left.round() as i64, spec.y as i64, w.round() as u32, h.round() as u32, spec.background.0);
    let top = spec.y as f32 + (h - spec.size) / 2.0;
    pen.draw(canvas, left + pad, top, Align::Left, spec.color.0, label);
}

/// One line of text, cut with `…` at `max_width`.
fn text(canvas: &mut RgbImage, fonts: &Fonts, spec: &TextSpec, s: &str) {
    let chain = if spec.bold { &fonts.bold } else { &fonts.regular };
    let pen = Pen { chain, size: spec.size };
    let line = match spec.max_width {
        Some(w) => linebreak::wrap(s, w as f32, 1, |ch| pen.advance(ch)).into_iter().next().unwrap_or_default(),
        None => s.to_string(),
    };
    pen.draw(canvas, spec.x as f32, spec.y as f32, spec.align, spec.color.0, &line);
}
