//! The font chains the poster draws with, loaded once at start-up from the fonts folder (`fonts/` by default;
//! see `fonts/FONTS.md` for provenance).
//!
//! A chain is a list of faces: a character is drawn with the first face that maps it to a real glyph
//! (`glyph_id(c).0 != 0`). The Sans SC subsets cover U+4E00–U+9FEF; the Kai tail face closes U+9FF0–U+9FFF, so
//! every character of the CJK Unified Ideographs block has a glyph.

use ab_glyph::{Font, FontArc, GlyphId};
use std::path::Path;

/// Title and label face.
pub const REGULAR_FILE: &str = "DealbotSansSC-Regular.otf";
/// Price and badge face.
pub const BOLD_FILE: &str = "DealbotSansSC-Bold.otf";
/// Last face of both chains: U+9FC4–U+9FFF.
pub const TAIL_FILE: &str = "DealbotKaiTail-Regular.ttf";

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("cannot read font {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("invalid font {path}")]
    Invalid { path: String },
}

/// A character resolved to a face of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub face: usize,
    pub glyph: GlyphId,
}

/// Faces tried in order.
#[derive(Clone, Debug)]
pub struct FontChain {
    faces: Vec<FontArc>,
}

impl FontChain {
    pub fn new(faces: Vec<FontArc>) -> FontChain {
        FontChain { faces }
    }

    pub fn face(&self, i: usize) -> &FontArc {
        &self.faces[i]
    }

    /// The first face with a real glyph for `c`, or `None` when no face has one.
    pub fn resolve(&self, c: char) -> Option<Resolved> {
        self.faces.iter().enumerate().find_map(|(face, f)| {
            let glyph = f.glyph_id(c);
            (glyph.0 != 0).then_some(Resolved { face, glyph })
        })
    }
}

/// The regular and the bold chain.
#[derive(Clone, Debug)]
pub struct Fonts {
    pub regular: FontChain,
    pub bold: FontChain,
}

impl Fonts {
    /// Loads the three shipped faces from `dir`.
    pub fn load(dir: &Path) -> Result<Fonts, FontError> {
        let regular = load_face(&dir.join(REGULAR_FILE))?;
        let bold = load_face(&dir.join(BOLD_FILE))?;
        let tail = load_face(&dir.join(TAIL_FILE))?;
        Ok(Fonts { regular: FontChain::new(vec![regular, tail.clone()]), bold: FontChain::new(vec![bold, tail]) })
    }
}

fn load_face(path: &Path) -> Result<FontArc, FontError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| FontError::Read { path: shown.clone(), source })?;
    FontArc::try_from_vec(bytes).map_err(|_| FontError::Invalid { path: shown })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// The shipped fonts, loaded once per test binary.
    pub(crate) fn shipped() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
            Fonts::load(&dir).unwrap_or_else(|e| panic!("shipped fonts: {e}"))
        })
    }

    #[test]
    fn every_cjk_unified_ideograph_has_a_glyph_in_both_chains() {
        let fonts = shipped();
        for cp in 0x4E00u32..=0x9FFF {
            let c = char::from_u32(cp).unwrap_or_else(|| panic!("{cp:X}"));
            assert!(fonts.regular.resolve(c).is_some(), "regular chain misses U+{cp:04X}");
            assert!(fonts.bold.resolve(c).is_some(), "bold chain misses U+{cp:04X}");
        }
    }

    #[test]
    fn the_tail_face_draws_the_last_ideographs_and_the_sans_face_the_rest() {
        let fonts = shipped();
        assert_eq!(fonts.regular.resolve('\u{9FFF}').map(|r| r.face), Some(1));
        assert_eq!(fonts.regular.resolve('焗').map(|r| r.face), Some(0));
        assert_eq!(fonts.bold.resolve('¥').map(|r| r.face), Some(0));
        assert_eq!(fonts.regular.resolve('😀'), None);
    }

    #[test]
    fn a_missing_font_file_is_a_clear_error() {
        let err = Fonts::load(Path::new("/nonexistent-fonts")).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("DealbotSansSC-Regular.otf"), "{err}");
    }
}
