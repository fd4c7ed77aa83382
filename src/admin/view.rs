//! The dashboard's page templates (maud): the page shell with its navigation, forms carrying the CSRF token,
//! selects and tables. Every value interpolated with `(…)` is escaped by maud; text comes from [`super::text`].

use super::routes::Audience;
use super::session::Viewer;
use super::text as t;
use maud::{DOCTYPE, Markup, html};

/// The document around `body`: doctype, language, head with the title, stylesheet and script.
fn document(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t::BRAND) }
                link rel="stylesheet" href="/admin/assets/admin.css";
                script src="/admin/assets/admin.js" defer {}
            }
            body { (body) }
        }
    }
}

/// A page without navigation (login, errors).
pub fn bare_page(title: &str, body: Markup) -> Markup {
    document(title, body)
}

/// A dashboard page: navigation for the viewer's role, the logout form, then `body`.
pub fn page(v: &Viewer, active: &str, title: &str, body: Markup) -> Markup {
    let role = if v.is_admin() { t::ROLE_ADMIN } else { t::ROLE_PARTNER };
    let body = html! {
            header {
                div.brand { (t::BRAND) }
                button.menu type="button" aria-label=(t::MENU) data-toggle="nav" { "☰" }
                nav #nav {
                    @for e in super::nav() {
                        @if e.audience == Audience::Everyone || v.is_admin() {
                            a href=(e.path) class=[(e.path == active).then_some("active")] { (e.label) }
                        }
                    }
                }
                div.who {
                    (v.username) " · " (role)
                    (form(v, "/admin/logout", "inline", html! { button.link type="submit" { (t::LOGOUT) } }))
                }
            }
            main {
                h1 { (title) }
                (body)
            }
    };
    document(title, body)
}

/// `<form method=post …>` with the hidden CSRF field, then `content`.
pub fn form(v: &Viewer, action: &str, class: &str, content: Markup) -> Markup {
    html! {
        form method="post" action=(action) class=(class) {
            (csrf_field(v))
            (content)
        }
    }
}

/// The hidden CSRF field every state-changing form carries (for a form [`form`] cannot write, e.g. one with an id).
pub fn csrf_field(v: &Viewer) -> Markup {
    html! { input type="hidden" name="_csrf" value=(v.csrf.as_deref().unwrap_or("")); }
}

/// `<option>`s from (value, label) pairs, `current` selected.
pub fn options<S: AsRef<str>>(pairs: &[(S, S)], current: &str) -> Markup {
    html! {
        @for (value, label) in pairs {
            option value=(value.as_ref()) selected[value.as_ref() == current] { (label.as_ref()) }
        }
    }
}

/// A `<select>` of [`options`].
pub fn select<S: AsRef<str>>(name: &str, current: &str, pairs: &[(S, S)]) -> Markup {
    html! { select name=(name) { (options(pairs, current)) } }
}

/// A filter's `<select>`: 全部 (the empty value, no filter) first.
pub fn select_or_all<S: AsRef<str>>(name: &str, current: &str, pairs: &[(S, S)]) -> Markup {
    html! { select name=(name) { option value="" { (t::ALL) } (options(pairs, current)) } }
}

/// A table from a header row and rows of cells.
pub fn table(headers: &[&str], rows: &[Vec<Markup>]) -> Markup {
    html! {
        div.scroll {
            table {
                thead { tr { @for h in headers { th { (h) } } } }
                tbody {
                    @if rows.is_empty() {
                        tr { td colspan=(headers.len().max(1)) class="empty" { (t::NO_DATA) } }
                    }
                    @for r in rows {
                        tr { @for c in r { td { (c) } } }
                    }
                }
            }
        }
    }
}

/// A flash line from a `?msg=` query parameter.
pub fn notice(msg: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = msg.filter(|m| !m.is_empty()) {
            p.notice { (m) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_the_empty_table_says_so() {
        let rows = vec![vec![html! { "<b>\"x\"&'" }]];
        let s = table(&["名<称>"], &rows).into_string();
        assert!(s.contains("<th>名&lt;称&gt;</th>"), "{s}");
        assert!(s.contains("<td>&lt;b&gt;&quot;x&quot;&amp;'</td>"), "{s}");
        let empty = table(&["a", "b"], &[]).into_string();
        assert!(empty.contains(r#"<td colspan="2" class="empty">暂无数据</td>"#), "{empty}");
    }

    #[test]
    fn the_current_option_is_selected() {
        let s = select_or_all("k", "b", &[("a", "甲"), ("b", "<乙>")]).into_string();
        assert_eq!(
            s,
            r#"<select name="k"><option value="">全部</option><option value="a">甲</option><option value="b" selected>&lt;乙&gt;</option></select>"#
        );
    }

    #[test]
    fn a_notice_is_shown_only_with_a_message() {
        assert_eq!(notice(None).into_string(), "");
        assert_eq!(notice(Some("")).into_string(), "");
        assert_eq!(notice(Some("已保存<")).into_string(), "<p class=\"notice\">已保存&lt;</p>");
    }
}
