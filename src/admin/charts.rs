//! Charts drawn on the server as inline SVG: no script, no network.

use super::format::day_label;
use maud::{Markup, html};

/// One line of a chart.
pub struct Series<'a> {
    pub label: &'a str,
    /// CSS class of the line (colour comes from the stylesheet).
    pub class: &'a str,
    pub values: Vec<i64>,
}

const W: i64 = 640;
const H: i64 = 220;
const PAD_L: i64 = 56;
const PAD_B: i64 = 28;
const PAD_T: i64 = 12;

/// Where a day's label on the x axis is anchored: the first at its start, the last at its end.
fn anchor(i: usize, n: usize) -> &'static str {
    if i + 1 == n {
        "end"
    } else if i == 0 {
        "start"
    } else {
        "middle"
    }
}

/// A daily line chart: `days` are days since 1970-01-01 (x axis), every series has one value per day.
/// `fmt` renders axis values (e.g. 分 as 元). SVG elements get explicit end tags (`<line></line>`): inside HTML,
/// an SVG element without one would swallow what follows.
pub fn daily_lines(title: &str, days: &[i64], series: &[Series<'_>], fmt: impl Fn(i64) -> String) -> Markup {
    let max = series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0).max(1);
    let n = days.len().max(2) as i64;
    let plot_w = W - PAD_L - 8;
    let plot_h = H - PAD_T - PAD_B;
    let x = |i: i64| PAD_L + i * plot_w / (n - 1);
    let y = |v: i64| PAD_T + plot_h - v.max(0) * plot_h / max;
    let step = (days.len() / 6).max(1);
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (W) " " (H) } role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                @for k in 0..=4 {
                    @let v = max * k / 4;
                    line.grid x1=(PAD_L) x2=(W - 8) y1=(y(v)) y2=(y(v)) {}
                    text.axis x=(PAD_L - 6) y=(y(v) + 4) text-anchor="end" { (fmt(v)) }
                }
                @for (i, d) in days.iter().enumerate() {
                    @if i % step == 0 || i + 1 == days.len() {
                        text.axis x=(x(i as i64)) y=(H - 8) text-anchor=(anchor(i, days.len())) { (day_label(*d)) }
                    }
                }
                @for se in series {
                    @let pts: Vec<String> =
                        se.values.iter().enumerate().map(|(i, v)| format!("{},{}", x(i as i64), y(*v))).collect();
                    polyline class={ "line " (se.class) } fill="none" points=(pts.join(" ")) { title { (se.label) } }
                }
            }
            figcaption {
                @for se in series {
                    span class={ "key " (se.class) } { (se.label) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_polyline_per_series_scaled_to_the_largest_value() {
        let svg = daily_lines(
            "佣金",
            &[20_786, 20_787, 20_788],
            &[
                Series { label: "预估", class: "est", values: vec![0, 50, 100] },
                Series { label: "结算", class: "settled", values: vec![0, 0, 25] },
            ],
            |v| v.to_string(),
        )
        .into_string();
        assert_eq!(svg.matches("<polyline").count(), 2);
        // the largest value touches the top of the plot, zero the bottom
        assert!(svg.contains(&format!("{},{}", W - 8, PAD_T)));
        assert!(svg.contains(&format!("{PAD_L},{}", H - PAD_B)));
        assert!(svg.contains("11-29") && svg.contains("预估") && !svg.contains("<script"));
    }
}
