//! HTML building blocks: escaping, the page shell with its navigation, forms carrying the CSRF token, and
//! formatting of money and times. Every dynamic value goes through [`esc`].

use super::routes::Audience;
use super::session::Viewer;
use crate::money::Fen;
use axum::response::Html;
use std::fmt::Write as _;

/// The query string of a filter form: the non-empty (trimmed) fields, in order.
pub fn filter_query(fields: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        if !v.trim().is_empty() {
            q.append_pair(k, v.trim());
        }
    }
    q.finish()
}

/// Escapes text for HTML content and double-quoted or single-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn head(title: &str) -> String {
    format!(
        "<!doctype html><html lang=zh-CN><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width, initial-scale=1\">\
         <title>{} · dealbot 管理后台</title><link rel=stylesheet href=\"/admin/assets/admin.css\">\
         <script src=\"/admin/assets/admin.js\" defer></script></head>",
        esc(title)
    )
}

/// A page without navigation (login, errors).
pub fn bare_page(title: &str, body: &str) -> Html<String> {
    Html(format!("{}<body>{body}</body></html>", head(title)))
}

/// A dashboard page: navigation for the viewer's role, the logout form, then `body`.
pub fn page(v: &Viewer, active: &str, title: &str, body: &str) -> Html<String> {
    let mut nav = String::new();
    for e in super::nav() {
        if e.audience == Audience::AdminOnly && !v.is_admin() {
            continue;
        }
        let cls = if e.path == active { " class=active" } else { "" };
        let _ = write!(nav, "<a href=\"{}\"{cls}>{}</a>", e.path, e.label);
    }
    let role = if v.is_admin() { "管理员" } else { "合伙人" };
    Html(format!(
        "{}<body><header><div class=brand>dealbot 管理后台</div><button class=menu type=button \
         aria-label=菜单 data-toggle=nav>☰</button><nav id=nav>{nav}</nav><div class=who>{} · {role}{}</div></header>\
         <main><h1>{}</h1>{body}</main></body></html>",
        head(title),
        esc(&v.username),
        form_open(v, "/admin/logout", "inline") + "<button type=submit class=link>退出</button></form>",
        esc(title)
    ))
}

/// `<form method=post …>` with the hidden CSRF field.
pub fn form_open(v: &Viewer, action: &str, class: &str) -> String {
    format!(
        "<form method=post action=\"{}\" class=\"{}\"><input type=hidden name=_csrf value=\"{}\">",
        esc(action),
        esc(class),
        esc(v.csrf.as_deref().unwrap_or(""))
    )
}

/// `<option>`s from (value, label) pairs, `current` selected; both escaped.
pub fn options<S: AsRef<str>>(pairs: &[(S, S)], current: &str) -> String {
    let mut s = String::new();
    for (value, label) in pairs {
        let (value, label) = (value.as_ref(), label.as_ref());
        let sel = if value == current { " selected" } else { "" };
        let _ = write!(s, "<option value=\"{}\"{sel}>{}</option>", esc(value), esc(label));
    }
    s
}

/// A `<select>` of [`options`].
pub fn select<S: AsRef<str>>(name: &str, current: &str, pairs: &[(S, S)]) -> String {
    format!("<select name={name}>{}</select>", options(pairs, current))
}

/// A filter's `<select>`: 全部 (the empty value, no filter) first.
pub fn select_or_all<S: AsRef<str>>(name: &str, current: &str, pairs: &[(S, S)]) -> String {
    format!("<select name={name}><option value=\"\">全部</option>{}</select>", options(pairs, current))
}

/// 1234 分 → `12.34`.
pub fn yuan(f: Fen) -> String {
    let sign = if f.0 < 0 { "-" } else { "" };
    let a = f.0.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Unix ms → `2026-11-29 13:05` in the given UTC offset (hours).
pub fn datetime(ms: i64, utc_offset_hours: i64) -> String {
    let secs = ms.div_euclid(1000) + utc_offset_hours * 3600;
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute()),
        Err(_) => "-".into(),
    }
}

/// Days since 1970-01-01 → `11-29`.
pub fn day_label(day: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(day * 86_400) {
        Ok(t) => format!("{:02}-{:02}", u8::from(t.month()), t.day()),
        Err(_) => day.to_string(),
    }
}

/// A table from a header row and already-escaped cells.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<div class=scroll><table><thead><tr>");
    for h in headers {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>");
    if rows.is_empty() {
        let _ = write!(s, "<tr><td colspan={} class=empty>暂无数据</td></tr>", headers.len().max(1));
    }
    for r in rows {
        s.push_str("<tr>");
        for c in r {
            let _ = write!(s, "<td>{c}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    s
}

/// A flash line from a `?msg=` query parameter.
pub fn notice(msg: Option<&str>) -> String {
    match msg.filter(|m| !m.is_empty()) {
        Some(m) => format!("<p class=notice>{}</p>", esc(m)),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn formats_fen_as_yuan() {
        assert_eq!(yuan(Fen(123456)), "1234.56");
        assert_eq!(yuan(Fen(-5)), "-0.05");
        assert_eq!(yuan(Fen(0)), "0.00");
    }

    #[test]
    fn formats_local_times_and_days() {
        // 2026-11-29 05:00 UTC = 13:00 in UTC+8
        assert_eq!(datetime(1_795_928_400_000, 8), "2026-11-29 13:00");
        assert_eq!(day_label(20_786), "11-29");
    }
}
