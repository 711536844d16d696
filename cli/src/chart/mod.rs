//! Small PNG charts (horizontal bars; lines over a linear or log x axis) for benchmark and
//! training reports, drawn with plotters. Text uses the DejaVu Sans font the library compiles into the
//! binary, so the charts need no system fonts and look the same on every machine.

use std::ops::Range;
use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::combinators::{IntoLogRange, LogCoord};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod confusion;
mod histogram;
mod image_grid;
pub use confusion::confusion_matrix;
pub use histogram::histogram;
pub use image_grid::image_grid;

const WIDTH: u32 = 900;
const LINE_HEIGHT: u32 = 500;
const BAR_ROW: u32 = 30;
const TITLE_SIZE: f64 = 24.0;
const LABEL_SIZE: f64 = 16.0;
const DESC_SIZE: f64 = 17.0;
/// Series with at most this many points get a marker on each point; denser ones (a loss per
/// optimizer step) would only blur into a thick line.
const MAX_MARKED_POINTS: usize = 60;
const PALETTE: [RGBColor; 6] =
    [RGBColor(31, 119, 180), RGBColor(255, 127, 14), RGBColor(44, 160, 44), RGBColor(214, 39, 40), RGBColor(148, 103, 189), RGBColor(140, 86, 75)];

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Registers the library's bundled font as plotters' sans-serif family (once per process),
/// which every text style below uses.
fn register_font() -> Result<(), String> {
    burn_neuro::spikeplot::register_font().map_err(String::from)
}

fn text_style(size: f64) -> TextStyle<'static> {
    (FontFamily::SansSerif, size).into_font().color(&BLACK)
}

/// Starts a white canvas of `height` pixels for `path`.
fn canvas(path: &Path, height: u32) -> Result<Area<'_>, String> {
    register_font()?;
    let root = BitMapBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(path, e))?;
    Ok(root)
}

/// Writes the PNG; plotters only touches the file here.
fn save(root: Area<'_>, path: &Path) -> Result<(), String> {
    root.present().map_err(|e| failed(path, e))
}

fn failed(path: &Path, e: impl std::fmt::Display) -> String {
    format!("drawing chart {}: {e}", path.display())
}

/// Width in pixels of `text` in `style` (0 when it cannot be measured).
fn text_width(root: &Area<'_>, text: &str, style: &TextStyle<'_>) -> u32 {
    root.estimate_text_size(text, style).map_or(0, |(w, _)| w)
}

/// `text` cut with an ellipsis to fit `max` pixels, so long labels never run off the image.
fn fit(root: &Area<'_>, text: &str, style: &TextStyle<'_>, max: u32) -> String {
    let mut out = text.to_string();
    while text_width(root, &out, style) > max && out.chars().count() > 1 {
        out.pop();
        out.pop();
        out.push('…');
    }
    out
}

/// Horizontal bars, one per `(label, value)`, on a linear axis from 0.
pub fn bar_chart(path: &Path, title: &str, axis: &str, bars: &[(String, f64)]) -> Result<(), String> {
    let height = 140 + BAR_ROW * bars.len().max(1) as u32;
    let root = canvas(path, height)?;
    let labels = text_style(LABEL_SIZE);
    let widest = bars.iter().map(|(label, _)| text_width(&root, label, &labels)).max().unwrap_or(0);
    let label_area = (widest + 16).clamp(60, WIDTH / 2);
    // Fitted now: measuring text is not possible while plotters draws the axes.
    let names: Vec<String> = bars.iter().map(|(label, _)| fit(&root, label, &labels, label_area - 12)).collect();
    let caption = fit(&root, title, &text_style(TITLE_SIZE), WIDTH - 20);
    let finite = || bars.iter().map(|b| b.1).filter(|v| v.is_finite());
    let (lo, hi) = (finite().fold(0.0, f64::min), finite().fold(0.0, f64::max));
    // Room right of the longest bar for its value label.
    let x = Axis::linear(lo, hi + 0.15 * (hi - lo), false, Ends::RoundUp);
    let n = bars.len().max(1);
    // Bar i sits at y = n - 1 - i so the first bar is drawn at the top.
    let rows: Vec<f64> = (0..bars.len()).map(|i| i as f64).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, text_style(TITLE_SIZE))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(56)
        .y_label_area_size(label_area)
        .build_cartesian_2d(x.coord(), Axis { range: -0.5..n as f64 - 0.5, ticks: rows, step: Some(1.0) }.coord())
        .map_err(|e| failed(path, e))?;
    let bar_label = |v: &f64| (n - 1).checked_sub(v.round() as usize).and_then(|i| names.get(i)).cloned().unwrap_or_default();
    let x_label = |v: &f64| x.label(*v);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_label_formatter(&x_label)
        .y_label_formatter(&bar_label)
        .y_labels(n)
        .label_style(labels.clone())
        .axis_desc_style(text_style(DESC_SIZE))
        .x_desc(axis)
        .draw()
        .map_err(|e| failed(path, e))?;
    for (i, (_, value)) in bars.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        let v = if value.is_finite() { *value } else { 0.0 };
        let bar = Rectangle::new([(0.0, y - 0.35), (v, y + 0.35)], PALETTE[0].filled());
        let text = if value.is_finite() { format_value(v) } else { "n/a".into() };
        let note = EmptyElement::at((v.max(0.0), y)) + Text::new(text, (6, 0), labels.pos(Pos::new(HPos::Left, VPos::Center)));
        chart.draw_series([bar]).map_err(|e| failed(path, e))?;
        chart.draw_series([note]).map_err(|e| failed(path, e))?;
    }
    save(root, path)
}

/// One named series of `(x, y)` points.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Lines over a shared x axis (log-scaled when `log_x`), with a legend when there are several.
pub fn line_chart(path: &Path, title: &str, x_axis: &str, y_axis: &str, series: &[Series], log_x: bool) -> Result<(), String> {
    // A log axis cannot place x <= 0, and non-finite values have no place on either axis.
    let keep = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && (!log_x || x > 0.0);
    let lines: Vec<(&str, Vec<(f64, f64)>)> = series.iter().map(|s| (s.name.as_str(), s.points.iter().copied().filter(keep).collect())).collect();
    let all = || lines.iter().flat_map(|l| l.1.iter());
    let (x_lo, x_hi) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let y_lo = all().fold(0.0, |lo: f64, p| lo.min(p.1));
    let y_hi = all().fold(y_lo, |hi: f64, p| hi.max(p.1));
    // Integral x (epochs, optimizer steps) gets whole-number ticks only.
    let integral = all().all(|p| p.0.fract() == 0.0);
    let x = if log_x { Axis::log(x_lo, x_hi) } else { Axis::linear(x_lo, x_hi, integral, Ends::Pad) };
    let y = Axis::linear(y_lo, y_hi, false, Ends::RoundUp);
    let root = canvas(path, LINE_HEIGHT)?;
    let labels = text_style(LABEL_SIZE);
    let widest = y.ticks.iter().map(|v| text_width(&root, &y.label(*v), &labels)).max().unwrap_or(0);
    let frame = Frame {
        title: fit(&root, title, &text_style(TITLE_SIZE), WIDTH - 20),
        x_axis,
        y_axis,
        y_label_area: widest + 48,
        legend: legend_corner(&lines, &x, &y),
    };
    draw_lines(&root, path, &frame, &x, &y, &lines)?;
    save(root, path)
}

/// What a line chart shows besides its data.
struct Frame<'a> {
    title: String,
    x_axis: &'a str,
    y_axis: &'a str,
    y_label_area: u32,
    legend: SeriesLabelPosition,
}

/// Draws the axes, lines and legend.
fn draw_lines(root: &Area<'_>, path: &Path, frame: &Frame, x: &Axis, y: &Axis, lines: &[(&str, Vec<(f64, f64)>)]) -> Result<(), String> {
    let mut chart = ChartBuilder::on(root)
        .caption(&frame.title, text_style(TITLE_SIZE))
        .margin(12)
        .margin_right(28)
        .x_label_area_size(56)
        .y_label_area_size(frame.y_label_area)
        .build_cartesian_2d(x.coord(), y.coord())
        .map_err(|e| failed(path, e))?;
    let (x_label, y_label) = (|v: &f64| x.label(*v), |v: &f64| y.label(*v));
    chart
        .configure_mesh()
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style(text_style(LABEL_SIZE))
        .axis_desc_style(text_style(DESC_SIZE))
        .x_desc(frame.x_axis)
        .y_desc(frame.y_axis)
        .draw()
        .map_err(|e| failed(path, e))?;
    for (i, (name, points)) in lines.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let sparse = points.len() <= MAX_MARKED_POINTS;
        // Thick lines join segments with miters, which spike out of a jagged per-step loss curve.
        let width = if sparse { 2 } else { 1 };
        let drawn = chart.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(width))).map_err(|e| failed(path, e))?;
        drawn.label(*name).legend(move |(px, py)| PathElement::new([(px, py), (px + 24, py)], color.stroke_width(3)));
        if sparse {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled()))).map_err(|e| failed(path, e))?;
        }
    }
    if lines.len() > 1 {
        chart
            .configure_series_labels()
            .position(frame.legend.clone())
            .margin(12)
            .label_font(text_style(LABEL_SIZE))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(|e| failed(path, e))?;
    }
    Ok(())
}

/// How far a linear axis reaches past its data.
#[derive(Clone, Copy)]
enum Ends {
    /// 3% more on both sides, so markers at the ends stay whole.
    Pad,
    /// Up to the next tick, so the end of the axis is labelled; 4% more when the data already
    /// ends on or just below a tick.
    RoundUp,
}

/// One axis: its value range, where its ticks go and how they are written.
struct Axis {
    range: Range<f64>,
    ticks: Vec<f64>,
    /// Spacing of linear ticks, which sets their decimals; `None` on a log axis, where each
    /// tick gets the decimals of its own power of ten (0.1, 0.2, 1, 10).
    step: Option<f64>,
}

impl Axis {
    /// Ticks 1, 2 or 5 times a power of ten apart (at least 1 apart when `integral`) over
    /// `lo..hi`, extended as `ends` says.
    fn linear(lo: f64, hi: f64, integral: bool, ends: Ends) -> Axis {
        let (lo, hi) = if lo.is_finite() && hi.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        // One value (or none): a unit either side, not below 0 when the data is not.
        let (lo, hi) = if hi > lo { (lo, hi) } else { ((lo - 1.0).max(lo.min(0.0)), hi + 1.0) };
        let span = hi - lo;
        let raw = span / 8.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let mut step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
        if integral {
            step = step.max(1.0);
        }
        let (lo, hi) = match ends {
            Ends::Pad => (lo - 0.03 * span, hi + 0.03 * span),
            Ends::RoundUp => {
                let top = (hi / step).ceil() * step;
                (lo, if top - hi < 0.03 * span { hi + 0.04 * span } else { top })
            }
        };
        let ticks = ((lo / step).ceil() as i64..=(hi / step).floor() as i64).map(|k| k as f64 * step).collect();
        Axis { range: lo..hi, ticks, step: Some(step) }
    }

    /// Ticks at 1, 2 and 5 times each power of ten in `lo..hi` (powers of ten only when the
    /// range spans more than three decades, to keep labels apart).
    fn log(lo: f64, hi: f64) -> Axis {
        let (lo, hi) = if lo.is_finite() && hi.is_finite() { (lo, hi) } else { (1.0, 10.0) };
        let (lo, hi) = if hi > lo { (lo, hi) } else { (lo / 2.0, hi * 2.0) };
        let mantissas: &[f64] = if hi / lo <= 1000.0 { &[1.0, 2.0, 5.0] } else { &[1.0] };
        // The same 3% margin as the linear axis, measured along the log axis.
        let margin = (hi / lo).powf(0.03);
        let (lo, hi) = (lo / margin, hi * margin);
        let decades = lo.log10().floor() as i32..=hi.log10().ceil() as i32;
        let ticks = decades.flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e))).filter(|v| (lo..=hi).contains(v)).collect();
        Axis { range: lo..hi, ticks, step: None }
    }

    fn coord(&self) -> Ticked {
        let scale = if self.step.is_some() { Scale::Linear(self.range.clone().into()) } else { Scale::Log(self.range.clone().log_scale().into()) };
        Ticked { scale, ticks: self.ticks.clone() }
    }

    fn label(&self, v: f64) -> String {
        let spacing = self.step.unwrap_or(v.abs());
        // 1 -> 0 decimals, 0.5 -> 1, 0.05 -> 2; the epsilon keeps exact powers of ten from
        // rounding up a decimal.
        let decimals = (-spacing.log10() - 1e-9).ceil().max(0.0) as usize;
        format!("{v:.decimals$}")
    }

    /// Where `v` falls along the axis, 0 at the start and 1 at the end.
    fn fraction(&self, v: f64) -> f64 {
        let (lo, hi) = (self.range.start, self.range.end);
        if self.step.is_none() { (v / lo).ln() / (hi / lo).ln() } else { (v - lo) / (hi - lo) }
    }
}

/// A plotters coordinate that maps values like its scale but puts ticks only at `ticks`, so
/// every label is a round number of our choosing.
struct Ticked {
    scale: Scale,
    ticks: Vec<f64>,
}

enum Scale {
    Linear(RangedCoordf64),
    Log(LogCoord<f64>),
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        match &self.scale {
            Scale::Linear(s) => s.map(value, limit),
            Scale::Log(s) => s.map(value, limit),
        }
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // No light grid lines between ticks: they would only add clutter.
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> Range<f64> {
        match &self.scale {
            Scale::Linear(s) => s.range(),
            Scale::Log(s) => s.range(),
        }
    }
}

/// The plot corner crossed by the fewest line samples, so the legend hides as little data as
/// possible.
fn legend_corner(lines: &[(&str, Vec<(f64, f64)>)], x: &Axis, y: &Axis) -> SeriesLabelPosition {
    let mut samples = Vec::new();
    for (_, points) in lines {
        let at = |p: &(f64, f64)| (x.fraction(p.0), y.fraction(p.1));
        samples.extend(points.iter().map(at));
        // Points along each segment too: a two-point line can cross a corner with no point in it.
        for w in points.windows(2) {
            let (a, b) = (at(&w[0]), at(&w[1]));
            samples.extend((1..16).map(|k| k as f64 / 16.0).map(|t| (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))));
        }
    }
    let in_corner = |right: bool, top: bool| {
        samples.iter().filter(|(fx, fy)| (if right { *fx > 0.6 } else { *fx < 0.4 }) && (if top { *fy > 0.7 } else { *fy < 0.3 })).count()
    };
    let corners = [
        (SeriesLabelPosition::UpperRight, in_corner(true, true)),
        (SeriesLabelPosition::UpperLeft, in_corner(false, true)),
        (SeriesLabelPosition::LowerRight, in_corner(true, false)),
        (SeriesLabelPosition::LowerLeft, in_corner(false, false)),
    ];
    corners.into_iter().min_by_key(|c| c.1).map_or(SeriesLabelPosition::UpperRight, |c| c.0)
}

/// A bar's value label: about three significant digits.
fn format_value(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 0.01 {
        format!("{v:.2}")
    } else {
        format!("{v:.1e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes the PNG at `path`, checks something was drawn on it and returns its size.
    pub(super) fn png_size(path: &Path) -> (u32, u32) {
        let png = image::ImageReader::open(path).unwrap().with_guessed_format().unwrap();
        assert_eq!(png.format(), Some(image::ImageFormat::Png), "{}", path.display());
        let pixels = png.decode().unwrap().to_rgb8();
        let inked = pixels.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(inked > 1000, "{} is almost blank", path.display());
        pixels.dimensions()
    }

    /// A fresh directory for one test, removed when the test ends.
    pub(super) struct Scratch(pub(super) std::path::PathBuf);

    impl Scratch {
        pub(super) fn new(test: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("burn-neuro-chart-{test}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn bar_chart_writes_a_png() {
        let dir = Scratch::new("bars");
        let path = dir.0.join("bars.png");
        let bars: Vec<(String, f64)> = [("lif fused F32 steps=25", 81.5), ("lif unfused F32 steps=25", 37.25), ("lif fused F16 steps=100", 64.0)]
            .iter()
            .map(|(l, v)| (l.to_string(), *v))
            .collect();
        bar_chart(&path, "% of measured copy bandwidth - Test Adapter", "% of copy peak", &bars).unwrap();
        assert_eq!(png_size(&path), (WIDTH, 140 + BAR_ROW * 3));
    }

    #[test]
    fn line_charts_write_pngs() {
        let dir = Scratch::new("lines");
        let path = dir.0.join("lines.png");
        let epochs = |scale: f64| (1..=6).map(|e| (e as f64, 100.0 - scale / e as f64)).collect();
        let series = [Series { name: "train".into(), points: epochs(40.0) }, Series { name: "test".into(), points: epochs(45.0) }];
        line_chart(&path, "Accuracy", "epoch", "accuracy (%)", &series, false).unwrap();
        assert_eq!(png_size(&path), (WIDTH, LINE_HEIGHT));

        let log_path = dir.0.join("log.png");
        let sweep = [0.1f64, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0].iter().map(|&d| (d, 8.0 / d.sqrt())).collect();
        let series = [
            Series { name: "sparse speedup".into(), points: sweep },
            Series { name: "break-even (1x)".into(), points: vec![(0.1, 1.0), (50.0, 1.0)] },
        ];
        line_chart(&log_path, "Sparse vs dense", "active inputs (%)", "dense time / sparse time", &series, true).unwrap();
        assert_eq!(png_size(&log_path), (WIDTH, LINE_HEIGHT));
    }

    #[test]
    fn integral_x_gets_whole_ticks() {
        let axis = Axis::linear(1.0, 4.0, true, Ends::Pad);
        assert!(axis.ticks.iter().all(|t| t.fract() == 0.0), "{:?}", axis.ticks);
        assert_eq!(axis.ticks.iter().map(|t| axis.label(*t)).collect::<Vec<_>>(), ["1", "2", "3", "4"]);
    }

    #[test]
    fn log_ticks_are_round() {
        let axis = Axis::log(0.1, 50.0);
        let labels: Vec<String> = axis.ticks.iter().map(|t| axis.label(*t)).collect();
        assert_eq!(labels, ["0.1", "0.2", "0.5", "1", "2", "5", "10", "20", "50"]);
    }

    #[test]
    fn unwritable_path_is_an_error() {
        let dir = Scratch::new("unwritable");
        let path = dir.0.join("missing").join("chart.png");
        let err = bar_chart(&path, "t", "a", &[("x".into(), 1.0)]).unwrap_err();
        assert!(err.contains("chart.png"), "{err}");
    }
}
