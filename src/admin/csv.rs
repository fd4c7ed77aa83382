//! The dashboard's CSV exports: UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese text as
//! UTF-8), CRLF line ends, text fields quoted when needed and neutralised against formulas.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The first characters that make a spreadsheet read a cell as a formula (OWASP's list, and the full-width forms
/// ＝ ＋ － ＠ that some spreadsheet programs fold to them).
const FORMULA_STARTS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}'];

/// One CSV text field: quoted when needed; a leading formula character (`= + - @`, TAB, CR) is neutralised with a
/// quote so spreadsheets do not run it.
pub fn field(s: &str) -> String {
    let s = if s.starts_with(FORMULA_STARTS) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// A CSV document being written.
pub struct Csv(String);

impl Default for Csv {
    fn default() -> Self {
        Csv(String::from("\u{feff}"))
    }
}

impl Csv {
    /// A line of cells: numbers formatted by us as they are, text through [`field`].
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            self.0.push_str(c.as_ref());
        }
        self.0.push_str("\r\n");
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The document as a download named `filename` (ASCII, no quotes).
    pub fn download(self, filename: &str) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            ],
            self.0,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(field("abc"), "abc");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-5"), "'-5");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("+1"), "'+1");
    }

    #[test]
    fn fields_starting_with_tab_or_cr_are_neutralised() {
        assert_eq!(field("\t=1+1"), "'\t=1+1");
        assert_eq!(field("\r=1+1"), "\"'\r=1+1\"");
        assert_eq!(field("＝1+1"), "'＝1+1");
        assert_eq!(field("a\tb"), "a\tb", "only a leading TAB is a formula start");
    }

    #[test]
    fn rows_end_with_crlf_after_the_byte_order_mark() {
        let mut c = Csv::default();
        c.row(&["编号", "金额"]);
        c.row(&[field("a,b"), "1.00".into()]);
        assert_eq!(c.into_string(), "\u{feff}编号,金额\r\n\"a,b\",1.00\r\n");
    }
}
