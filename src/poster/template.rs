//! Poster templates: TOML files in the templates folder (`assets/posters/` by default), one per template, named
//! by the file stem. They are loaded and validated at start-up, so an operator adds a template by dropping a file
//! there and restarting; no recompiling.
//!
//! A template gives the canvas, the layout boxes (pixels, origin top left), colours and font sizes, and which
//! fields show: an optional section (`coupon`, `rebate`, `platform`, `shop`, `sales`, `photo`, the QR caption,
//! the original price) that is absent is not drawn. See `assets/posters/classic.toml` for every key.
//!
//! A template's version is a hash of its file, so editing a template invalidates the posters cached with it.

use super::pen::Align;
use image::Rgb;
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The QR code is never drawn smaller than this (pixels, quiet zone included).
pub const MIN_QR_PX: u32 = 180;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read poster templates in {dir}: {source}")]
    Dir { dir: String, source: std::io::Error },
    #[error("poster template {file}: {msg}")]
    Invalid { file: String, msg: String },
    #[error("no poster template in {0}")]
    Empty(String),
    #[error("the default poster template `{0}` does not exist")]
    NoDefault(String),
}

/// An `#rrggbb` colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub Rgb<u8>);

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_color(&s).ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not an #rrggbb colour")))
    }
}

fn parse_color(s: &str) -> Option<Color> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some(Color(Rgb([byte(0)?, byte(2)?, byte(4)?])))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pub background: Color,
}

/// A filled rectangle drawn before everything else (bands, panels).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RectSpec {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub color: Color,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoSpec {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    /// Fill of the placeholder drawn when there is no photo.
    pub placeholder: Color,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TitleSpec {
    pub x: u32,
    pub y: u32,
    /// Line width.
    pub w: u32,
    pub size: f32,
    pub color: Color,
    pub max_lines: usize,
    /// Line pitch as a multiple of `size`.
    #[serde(default = "default_line_height")]
    pub line_height: f32,
}

fn default_line_height() -> f32 {
    1.35
}

/// A single line of text anchored at `(x, y)`; `y` is the top of the em box.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    pub x: u32,
    pub y: u32,
    pub size: f32,
    pub color: Color,
    #[serde(default)]
    pub align: Align,
    #[serde(default)]
    pub bold: bool,
    /// Longer text is cut with `…`.
    pub max_width: Option<u32>,
}

/// The price row: `label ¥12.90 ¥19.90` (the original price struck through), left to right from `x`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceSpec {
    pub x: u32,
    pub y: u32,
    pub size: f32,
    pub color: Color,
    /// A small label before the price, e.g. `券后价`, shown when there is a coupon.
    pub label: Option<String>,
    #[serde(default = "default_small")]
    pub label_size: f32,
    pub original: Option<OriginalPriceSpec>,
}

fn default_small() -> f32 {
    26.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginalPriceSpec {
    pub size: f32,
    pub color: Color,
    /// Gap after the price when drawn inline.
    #[serde(default = "default_gap")]
    pub gap: u32,
    /// Where to draw it (top left of the em box) instead of inline after the price.
    pub x: Option<u32>,
    pub y: Option<u32>,
}

fn default_gap() -> u32 {
    16
}

/// A rounded-off coloured badge with text, its top left at `(x, y)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BadgeSpec {
    pub x: u32,
    pub y: u32,
    pub size: f32,
    pub color: Color,
    pub background: Color,
    #[serde(default = "default_padding")]
    pub padding: u32,
    #[serde(default)]
    pub align: Align,
}

fn default_padding() -> u32 {
    10
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrSpec {
    pub x: u32,
    pub y: u32,
    /// Side of the square reserved for the code, quiet zone included; at least 180.
    pub size: u32,
    pub caption: Option<CaptionSpec>,
}

/// Text centred under the QR code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptionSpec {
    pub text: String,
    pub size: f32,
    pub color: Color,
    #[serde(default = "default_caption_gap")]
    pub gap: u32,
}

fn default_caption_gap() -> u32 {
    4
}

/// Fixed text (a slogan, a call to action).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelSpec {
    pub text: String,
    #[serde(flatten)]
    pub at: TextSpec,
}

/// One template as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Shown to owners in the template list.
    pub description: String,
    pub canvas: Canvas,
    #[serde(default)]
    pub rects: Vec<RectSpec>,
    pub photo: Option<PhotoSpec>,
    pub title: TitleSpec,
    pub price: PriceSpec,
    pub coupon: Option<BadgeSpec>,
    pub rebate: Option<TextSpec>,
    pub platform: Option<BadgeSpec>,
    pub shop: Option<TextSpec>,
    pub sales: Option<TextSpec>,
    pub qr: QrSpec,
    #[serde(default)]
    pub labels: Vec<LabelSpec>,
}

/// A loaded, validated template.
#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    /// First 16 hex digits of the SHA-256 of the file.
    pub version: String,
    pub layout: Layout,
}

impl Template {
    /// Parses and validates one template file's text.
    pub fn parse(name: &str, text: &str) -> Result<Template, String> {
        let layout: Layout = toml::from_str(text).map_err(|e| e.message().to_string())?;
        validate(&layout)?;
        let version = hex::encode(&Sha256::digest(text.as_bytes())[..8]);
        Ok(Template { name: name.to_string(), version, layout })
    }
}

fn check(ok: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(msg()) }
}

fn validate(l: &Layout) -> Result<(), String> {
    let (cw, ch) = (l.canvas.width, l.canvas.height);
    check((200..=2000).contains(&cw) && (200..=2000).contains(&ch), || {
        format!("canvas {cw}×{ch} must be within 200–2000 px each way")
    })?;
    let inside = |what: &str, x: u32, y: u32, w: u32, h: u32| {
        check(w > 0 && h > 0 && x.saturating_add(w) <= cw && y.saturating_add(h) <= ch, || {
            format!("{what} box ({x}, {y}, {w}×{h}) is empty or leaves the {cw}×{ch} canvas")
        })
    };
    let size = |what: &str, s: f32| check((10.0..=200.0).contains(&s), || format!("{what} size {s} not in 10–200"));
    for r in &l.rects {
        inside("rect", r.x, r.y, r.w, r.h)?;
    }
    if let Some(p) = &l.photo {
        inside("photo", p.x, p.y, p.w, p.h)?;
    }
    let t = &l.title;
    size("title", t.size)?;
    check((1..=4).contains(&t.max_lines), || format!("title max_lines {} not in 1–4", t.max_lines))?;
    check((1.0..=2.0).contains(&t.line_height), || format!("title line_height {} not in 1–2", t.line_height))?;
    check(t.w as f32 >= t.size * 4.0, || "title is narrower than four characters".into())?;
    let title_h = (t.size * t.line_height * t.max_lines as f32).ceil() as u32;
    inside("title", t.x, t.y, t.w, title_h)?;
    size("price", l.price.size)?;
    size("price label", l.price.label_size)?;
    inside("price", l.price.x, l.price.y, 1, l.price.size.ceil() as u32)?;
    if let Some(o) = &l.price.original {
        size("original price", o.size)?;
        check(o.x.is_some() == o.y.is_some(), || "original price needs both x and y, or neither".into())?;
        if let (Some(x), Some(y)) = (o.x, o.y) {
            inside("original price", x, y, 1, o.size.ceil() as u32)?;
        }
    }
    let texts = [("rebate", &l.rebate), ("shop", &l.shop), ("sales", &l.sales)];
    for (what, spec) in texts {
        if let Some(s) = spec {
            size(what, s.size)?;
            inside(what, s.x, s.y, 1, s.size.ceil() as u32)?;
        }
    }
    for lab in &l.labels {
        size("label", lab.at.size)?;
        inside("label", lab.at.x, lab.at.y, 1, lab.at.size.ceil() as u32)?;
        check(!lab.text.trim().is_empty(), || "a label has no text".into())?;
    }
    for (what, badge) in [("coupon", &l.coupon), ("platform", &l.platform)] {
        if let Some(b) = badge {
            size(what, b.size)?;
            inside(what, b.x, b.y, 1, b.size.ceil() as u32 + 2 * b.padding)?;
        }
    }
    let q = &l.qr;
    check(q.size >= MIN_QR_PX, || format!("qr size {} is below {MIN_QR_PX}", q.size))?;
    inside("qr", q.x, q.y, q.size, q.size)?;
    if let Some(c) = &q.caption {
        size("qr caption", c.size)?;
        inside("qr caption", q.x, q.y + q.size + c.gap, q.size, c.size.ceil() as u32)?;
    }
    if let Some(p) = &l.photo {
        let apart = q.x >= p.x + p.w || p.x >= q.x + q.size || q.y >= p.y + p.h || p.y >= q.y + q.size;
        check(apart, || "the QR code overlaps the photo".into())?;
    }
    Ok(())
}

/// Every template of the folder, by name.
#[derive(Debug, Clone)]
pub struct Templates {
    by_name: BTreeMap<String, Arc<Template>>,
    default: Arc<Template>,
}

impl Templates {
    /// Loads every `*.toml` of `dir`; any invalid file, or a missing default, is an error.
    pub fn load(dir: &Path, default: &str) -> Result<Templates, TemplateError> {
        let shown = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|source| TemplateError::Dir { dir: shown.clone(), source })?;
        let mut by_name = BTreeMap::new();
        for entry in entries {
            let path = entry.map_err(|source| TemplateError::Dir { dir: shown.clone(), source })?.path();
            if path.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            let file = path.display().to_string();
            let invalid = |msg: String| TemplateError::Invalid { file: file.clone(), msg };
            let name = path.file_stem().and_then(|s| s.to_str()).ok_or_else(|| invalid("file name".into()))?;
            let text = std::fs::read_to_string(&path).map_err(|e| invalid(e.to_string()))?;
            let template = Template::parse(name, &text).map_err(invalid)?;
            by_name.insert(name.to_string(), Arc::new(template));
        }
        if by_name.is_empty() {
            return Err(TemplateError::Empty(shown));
        }
        let default = by_name.get(default).cloned().ok_or_else(|| TemplateError::NoDefault(default.to_string()))?;
        Ok(Templates { by_name, default })
    }

    /// Template names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.by_name.keys().cloned().collect()
    }

    pub fn get(&self, name: &str) -> Option<Arc<Template>> {
        self.by_name.get(name).cloned()
    }

    /// The named template; the default for `None` or a name that no longer exists.
    pub fn choose(&self, name: Option<&str>) -> Arc<Template> {
        name.and_then(|n| {
            let found = self.get(n);
            if found.is_none() {
                tracing::warn!(template = n, "poster template no longer exists; using the default");
            }
            found
        })
        .unwrap_or_else(|| self.default.clone())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn shipped_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/posters")
    }

    #[test]
    fn the_shipped_templates_load_and_include_the_three_designs() {
        let t = Templates::load(&shipped_dir(), "classic").unwrap_or_else(|e| panic!("{e}"));
        let names = t.names();
        for n in ["classic", "card", "festival"] {
            assert!(names.contains(&n.to_string()), "{names:?}");
        }
        assert_eq!(t.choose(Some("card")).name, "card");
        assert_eq!(t.choose(Some("gone")).name, "classic");
        assert_eq!(t.choose(None).name, "classic");
    }

    fn classic_text() -> String {
        std::fs::read_to_string(shipped_dir().join("classic.toml")).unwrap_or_default()
    }

    #[test]
    fn the_version_changes_with_the_file() {
        let a = Template::parse("x", &classic_text()).unwrap_or_else(|e| panic!("{e}"));
        let b = Template::parse("x", &format!("{}\n# edited\n", classic_text())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.version.len(), 16);
        assert_ne!(a.version, b.version);
    }

    #[test]
    fn invalid_templates_are_rejected_with_a_reason() {
        let text = classic_text();
        let cases = [
            (text.replacen("size = 230", "size = 120", 1), "qr size"),
            (text.replacen("width = 750", "width = 5000", 1), "canvas"),
            (text.replacen("background = \"#ffffff\"", "background = \"white\"", 1), "colour"),
            (format!("{text}\nunknown_key = 1\n"), "unknown"),
            (text.replacen("max_lines = 2", "max_lines = 9", 1), "max_lines"),
        ];
        for (bad, want) in cases {
            assert_ne!(bad, text, "the case for `{want}` did not change the file");
            let err = Template::parse("x", &bad).err().unwrap_or_default();
            assert!(err.contains(want), "want `{want}` in `{err}`");
        }
    }

    #[test]
    fn a_folder_without_the_default_template_is_an_error() {
        let err = Templates::load(&shipped_dir(), "nope").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("nope"), "{err}");
    }
}
