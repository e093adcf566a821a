//! Bar charts of labelled totals, drawn once with plotters and rendered either as SVG (inline
//! in web pages) or as PNG (attached to Discord replies). One drawing function serves both
//! backends, so the web page and the Discord image never disagree.
//!
//! Text in the PNG needs a font; DejaVu Sans (Bitstream Vera licence, see
//! `assets/fonts/DejaVuSans.LICENSE`) is compiled in, so the binary needs no system fonts.
//! The SVG names the same family and lets the browser pick a sans-serif fallback.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One bar: a label (a project, a person, a day…) and its total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub seconds: i64,
}

/// The most bars drawn; the rest are summed into one "Other" bar so the chart stays legible.
pub const MAX_BARS: usize = 15;
/// Longest label drawn (characters); longer ones end in "…". The full text is in the table.
pub const MAX_LABEL_CHARS: usize = 32;

const WIDTH: u32 = 760;
const BAR_PX: u32 = 30;
const FONT_FAMILY: &str = "DejaVu Sans";
const FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const BAR_COLOR: RGBColor = RGBColor(0x35, 0x6a, 0xc3);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "chart drawing failed: {}", self.0)
    }
}

impl std::error::Error for ChartError {}

fn chart_error(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// Registers the embedded font with plotters once per process (text measurement needs it
/// for both backends).
fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError("the embedded font could not be loaded".into()))
    }
}

/// A label safe and short enough to draw: control and bidirectional-override characters
/// dropped (an RTL override would otherwise flip the rest of the label), whitespace
/// collapsed, and cut at [`MAX_LABEL_CHARS`] with an ellipsis.
pub fn chart_label(label: &str) -> String {
    let cleaned: String = label
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.is_empty() {
        return "(no name)".into();
    }
    if joined.chars().count() <= MAX_LABEL_CHARS {
        return joined;
    }
    let mut cut: String = joined.chars().take(MAX_LABEL_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The bars to draw: at most [`MAX_BARS`], the smallest merged into "Other", labels cleaned,
/// negative totals treated as zero.
fn prepare(bars: &[Bar]) -> Vec<(String, f64)> {
    let mut sorted: Vec<&Bar> = bars.iter().collect();
    sorted.sort_by_key(|b| std::cmp::Reverse(b.seconds));
    let hours = |s: i64| s.max(0) as f64 / 3600.0;
    let mut out: Vec<(String, f64)> = sorted
        .iter()
        .take(if bars.len() > MAX_BARS {
            MAX_BARS - 1
        } else {
            MAX_BARS
        })
        .map(|b| (chart_label(&b.label), hours(b.seconds)))
        .collect();
    if bars.len() > MAX_BARS {
        let rest: i64 = sorted[MAX_BARS - 1..]
            .iter()
            .map(|b| b.seconds.max(0))
            .sum();
        out.push((
            format!("Other ({})", bars.len() - (MAX_BARS - 1)),
            hours(rest),
        ));
    }
    out
}

fn size_for(bar_count: usize) -> (u32, u32) {
    (WIDTH, 90 + BAR_PX * bar_count.max(1) as u32)
}

fn format_hours(h: f64) -> String {
    if h >= 100.0 {
        format!("{h:.0} h")
    } else {
        format!("{h:.1} h")
    }
}

/// The one drawing routine, for any plotters backend.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[(String, f64)],
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(chart_error)?;
    let font = |size: u32| (FONT_FAMILY, size).into_font();
    let title = chart_label(title);
    if bars.is_empty() {
        root.draw(&Text::new(
            "No time in this range",
            (20, 40),
            font(16).color(&BLACK),
        ))
        .map_err(chart_error)?;
        return root.present().map_err(chart_error);
    }
    let max = bars.iter().map(|(_, h)| *h).fold(0.0, f64::max);
    // Headroom for the value labels drawn past the end of the longest bar.
    let x_max = if max > 0.0 { max * 1.2 } else { 1.0 };
    let longest = bars
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let label_area = (longest as u32 * 8 + 16).clamp(60, 280);
    let n = bars.len();
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .caption(&title, font(18))
        .x_label_area_size(32)
        .y_label_area_size(label_area)
        .build_cartesian_2d(0f64..x_max, (0..n).into_segmented())
        .map_err(chart_error)?;
    // Largest at the top: plotters counts y upwards, so bar i sits at row n-1-i.
    let label_of = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(row) if *row < n => bars[n - 1 - row].0.clone(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&label_of)
        .x_labels(8)
        .x_label_formatter(&|h| {
            if x_max < 8.0 {
                format!("{h:.1}")
            } else {
                format!("{h:.0}")
            }
        })
        .x_desc("hours")
        .label_style(font(13))
        .axis_desc_style(font(13))
        .draw()
        .map_err(chart_error)?;
    chart
        .draw_series(
            Histogram::horizontal(&chart)
                .style(BAR_COLOR.filled())
                .margin(4)
                .data(bars.iter().enumerate().map(|(i, (_, h))| (n - 1 - i, *h))),
        )
        .map_err(chart_error)?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, h))| {
            Text::new(
                format_hours(*h),
                (*h + x_max * 0.01, SegmentValue::CenterOf(n - 1 - i)),
                TextStyle::from(font(12)).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        }))
        .map_err(chart_error)?;
    root.present().map_err(chart_error)
}

/// The chart as a standalone SVG document (also valid inline in HTML). Every label goes
/// through plotters' XML escaping; the SVG has a viewBox so CSS can scale it.
pub fn bar_chart_svg(title: &str, bars: &[Bar]) -> Result<String, ChartError> {
    ensure_font()?;
    let prepared = prepare(bars);
    let size = size_for(prepared.len());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root, title, &prepared)?;
    }
    Ok(svg)
}

/// The same chart as PNG bytes, for a Discord attachment.
pub fn bar_chart_png(title: &str, bars: &[Bar]) -> Result<Vec<u8>, ChartError> {
    use image::ImageEncoder;
    ensure_font()?;
    let prepared = prepare(bars);
    let (w, h) = size_for(prepared.len());
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        draw(&root, title, &prepared)?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, w, h, image::ColorType::Rgb8)
        .map_err(chart_error)?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, hours: i64) -> Bar {
        Bar {
            label: label.into(),
            seconds: hours * 3600,
        }
    }

    fn hostile() -> Vec<Bar> {
        vec![
            bar("<script>alert(1)</script>", 5),
            bar("\"quoted\" & 'single'", 4),
            bar("\u{202E}evil\u{200F} RTL", 3),
            bar(&"x".repeat(5_000), 2),
            bar("</svg><img src=x onerror=alert(1)>", 1),
        ]
    }

    #[test]
    fn svg_escapes_hostile_labels() {
        let svg = bar_chart_svg("<b>Title</b>", &hostile()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(!svg.contains("<script"), "raw script tag in SVG");
        assert!(!svg.contains("<img"), "raw img tag in SVG");
        assert!(!svg.contains("<b>"), "raw markup in title");
        assert_eq!(svg.matches("<svg").count(), 1);
        assert_eq!(
            svg.matches("</svg>").count(),
            1,
            "label closed the SVG early"
        );
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(svg.contains("&quot;quoted&quot; &amp; &apos;single&apos;"));
        assert!(!svg.contains('\u{202E}') && !svg.contains('\u{200F}'));
        assert!(
            !svg.contains(&"x".repeat(MAX_LABEL_CHARS + 1)),
            "long label not cut"
        );
        assert!(svg.contains(&format!("{}…", "x".repeat(MAX_LABEL_CHARS - 1))));
    }

    #[test]
    fn png_is_a_png_of_the_expected_size() {
        let png = bar_chart_png("Hours by project", &hostile()).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
        assert_eq!((img.width(), img.height()), size_for(5));
        // Text was drawn: some pixels are neither white nor the bar colour.
        let rgb = img.to_rgb8();
        let dark = rgb.pixels().filter(|p| p.0.iter().all(|c| *c < 80)).count();
        assert!(dark > 100, "no text pixels ({dark})");
        if let Ok(dir) = std::env::var("CREWCLOCK_CHART_SAMPLE_DIR") {
            std::fs::write(format!("{dir}/chart.png"), &png).unwrap();
        }
    }

    #[test]
    fn many_bars_fold_into_other_and_empty_data_draws() {
        let bars: Vec<Bar> = (0..40).map(|i| bar(&format!("p{i}"), 40 - i)).collect();
        let prepared = prepare(&bars);
        assert_eq!(prepared.len(), MAX_BARS);
        assert_eq!(prepared[0].0, "p0");
        assert!(prepared[MAX_BARS - 1].0.starts_with("Other (26)"));
        let rest: i64 = (MAX_BARS as i64 - 1..40).map(|i| 40 - i).sum();
        assert!((prepared[MAX_BARS - 1].1 - rest as f64).abs() < 1e-9);
        let svg = bar_chart_svg("Nothing", &[]).unwrap();
        assert!(svg.contains("No time in this range"));
        bar_chart_png("Nothing", &[]).unwrap();
        bar_chart_png("Zero", &[bar("a", 0), bar("b", -3)]).unwrap();
    }

    #[test]
    fn labels_are_cleaned() {
        assert_eq!(chart_label("  a \n\t b  "), "a b");
        assert_eq!(chart_label("\u{202E}\u{2066}"), "(no name)");
        let cut = chart_label(&"é".repeat(100));
        assert_eq!(cut.chars().count(), MAX_LABEL_CHARS);
        assert!(cut.ends_with('…'));
    }
}
