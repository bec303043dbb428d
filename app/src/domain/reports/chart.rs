//! Charts drawn on the server as SVG with plotters (its SVG backend only: no
//! system fonts, no bitmaps), so they appear without the wasm, print, and
//! scale to a phone's width. Every text plotters writes (labels, amounts) is
//! XML-escaped by its backend; the title we add is escaped here. The page
//! embeds the result as HTML; nothing else may be passed to `inner_html`.
use plotters::prelude::*;

/// Drawing size; the SVG scales to its container (`width="100%"`, viewBox).
const WIDTH: u32 = 720;
const HEIGHT: u32 = 280;
/// Labels longer than this are cut with an ellipsis.
const LABEL_CHARS: usize = 14;
const BAR: RGBColor = RGBColor(67, 56, 202);

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_string()
    } else {
        let mut cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// A bar chart of `(label, value)` in order, values in minor units written by
/// `amount`. An empty series draws an empty frame (the page says "no sales").
pub fn bars(title: &str, series: &[(String, i64)], amount: &dyn Fn(i64) -> String) -> String {
    let mut svg = String::new();
    let drawn = draw(&mut svg, series, amount);
    if let Err(error) = drawn {
        tracing::warn!(%error, "a chart could not be drawn");
        return String::new();
    }
    finish(svg, title)
}

fn draw(
    svg: &mut String,
    series: &[(String, i64)],
    amount: &dyn Fn(i64) -> String,
) -> Result<(), Box<dyn std::error::Error>> {
    let n = series.len().max(1) as i32;
    let top = series.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let bottom = series.iter().map(|(_, v)| *v).min().unwrap_or(0).min(0);
    // Room above the tallest bar.
    let top = top + top / 10 + 1;
    let labels: Vec<String> = series.iter().map(|(l, _)| shorten(l)).collect();
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(34)
        .y_label_area_size(70)
        .build_cartesian_2d((0..n).into_segmented(), bottom..top)?;
    // At most 16 labels under the bars, spread evenly.
    let step = (series.len() as i32 / 16) + 1;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(series.len().clamp(1, 16))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) if i % step == 0 => {
                labels.get(*i as usize).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .y_labels(5)
        .y_label_formatter(&|v| amount(*v))
        .label_style(("sans-serif", 12))
        .light_line_style(RGBColor(226, 232, 240))
        .draw()?;
    chart.draw_series(
        Histogram::vertical(&chart)
            .style(BAR.filled())
            .margin(2)
            .data(series.iter().enumerate().map(|(i, (_, v))| (i as i32, *v))),
    )?;
    root.present()?;
    Ok(())
}

/// The drawing made to scale with its container, with an accessible name.
fn finish(svg: String, title: &str) -> String {
    let open = format!("<svg width=\"{WIDTH}\" height=\"{HEIGHT}\"");
    let scaled = svg.replacen(
        &open,
        "<svg width=\"100%\" role=\"img\" preserveAspectRatio=\"xMidYMid meet\" class=\"report-chart\"",
        1,
    );
    match scaled.find('>') {
        Some(end) => format!(
            "{}<title>{}</title>{}",
            &scaled[..=end],
            escape(title),
            &scaled[end + 1..]
        ),
        None => scaled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_svg_that_scales_and_escapes_every_text() {
        let series = vec![
            ("<script>alert(1)</script>".to_string(), 1250),
            ("Tea & \"Biscuits\"".to_string(), 400),
        ];
        let svg = bars("Sales <by> day", &series, &|v| {
            format!("{}.{:02}", v / 100, v % 100)
        });
        assert!(svg.starts_with("<svg width=\"100%\""), "{svg}");
        assert!(svg.contains("viewBox=\"0 0 720 280\""));
        assert!(svg.contains("<title>Sales &lt;by&gt; day</title>"));
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script"), "labels are escaped: {svg}");
        assert!(svg.contains("Tea &amp;"), "{svg}");
        assert!(svg.contains("<rect"), "bars are drawn");
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn an_empty_series_still_draws_a_frame() {
        let svg = bars("Nothing", &[], &|v| v.to_string());
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<title>Nothing</title>"));
    }

    #[test]
    fn long_labels_are_cut() {
        assert_eq!(shorten("Short"), "Short");
        assert_eq!(shorten("A very long product name").chars().count(), LABEL_CHARS);
    }
}
