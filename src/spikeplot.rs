//! Spike and membrane pictures written as PNG files: the counterpart of snnTorch's `spikeplot`.
//!
//! - [`raster`] mirrors `spikeplot.raster`: one mark per spike, time across, neurons up;
//! - [`spike_counts`] mirrors `spikeplot.spike_count` without its animation: spikes per neuron as bars;
//! - [`traces`] mirrors `spikeplot.traces`, but overlays the traces on one set of axes instead of a
//!   grid of subplots, dashes the firing threshold and marks spikes as dots on the trace.
//!
//! Inputs are plain row-major `[steps, neurons]` slices (read a tensor out with `into_data`), so
//! the pictures need no device. Text uses the DejaVu Sans font compiled into the library, so no
//! system fonts are needed and a picture looks the same on every machine.

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::error::{NeuroError, Result};

/// The most neurons [`traces`] draws (the first ones): more lines would be an unreadable tangle.
pub const MAX_TRACES: usize = 16;
const WIDTH: u32 = 900;
const HEIGHT: u32 = 500;
const TITLE_SIZE: f64 = 24.0;
const LABEL_SIZE: f64 = 16.0;
const DESC_SIZE: f64 = 17.0;
/// Largest raster mark in pixels, so a small raster shows dots rather than blocks.
const MAX_MARK: i32 = 8;
/// [`traces`] names each neuron in a legend only up to this many lines.
const MAX_LEGEND: usize = 10;
/// matplotlib's "tab10" colours, the cycle snnTorch's plots are drawn in: ten output neurons
/// get ten colours and a legend.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
type Chart<'a> = ChartContext<'a, BitMapBackend<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A raster plot of `spikes`, row-major `[steps, neurons]`: a black mark at (time step, neuron)
/// for every nonzero, non-NaN value. Each mark fills most of its cell (at most 8 pixels a side,
/// at least one pixel), so large rasters such as 100 steps × 1000 neurons still show every spike.
pub fn raster(path: &Path, spikes: &[f32], steps: usize, neurons: usize, title: &str) -> Result<()> {
    check("spikes", spikes, steps, neurons)?;
    let root = canvas(path)?;
    let (x, y) = (cells(steps), cells(neurons));
    let mut chart = build(&root, path, title, x.clone(), y.clone())?;
    let whole = |v: &f64| whole_label(*v);
    // No grid: its lines would hide marks in a dense raster.
    chart_mesh(&mut chart)
        .disable_mesh()
        .x_labels(whole_labels(&x))
        .y_labels(whole_labels(&y))
        .x_label_formatter(&whole)
        .y_label_formatter(&whole)
        .x_desc("time step")
        .y_desc("neuron")
        .draw()
        .map_err(|e| io(path, e))?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let w = mark_size((px.end - px.start) as f64 / steps as f64);
    let h = mark_size((py.end - py.start) as f64 / neurons as f64);
    // Many spikes land on one pixel in a large raster; drawing each pixel once keeps that fast.
    let mut drawn = vec![false; (WIDTH * HEIGHT) as usize];
    for (t, row) in spikes.chunks_exact(neurons).enumerate() {
        for (n, _) in row.iter().enumerate().filter(|(_, v)| is_spike(**v)) {
            let (cx, cy) = chart.backend_coord(&(t as f64, n as f64));
            let seen = drawn.get_mut(cy.max(0) as usize * WIDTH as usize + cx.max(0) as usize);
            if seen.is_some_and(|seen| std::mem::replace(seen, true)) {
                continue;
            }
            let (x0, y0) = (cx - w / 2, cy - h / 2);
            root.draw(&Rectangle::new([(x0, y0), (x0 + w, y0 + h)], BLACK.filled())).map_err(|e| io(path, e))?;
        }
    }
    save(root, path)
}

/// A bar chart of how many time steps each neuron spiked in (nonzero, non-NaN values of
/// `spikes`, row-major `[steps, neurons]`): neuron index across, count up. Bars are at least one
/// pixel wide, so every firing neuron shows even when there are more neurons than pixels.
pub fn spike_counts(path: &Path, spikes: &[f32], steps: usize, neurons: usize, title: &str) -> Result<()> {
    check("spikes", spikes, steps, neurons)?;
    let mut counts = vec![0u64; neurons];
    for row in spikes.chunks_exact(neurons) {
        counts.iter_mut().zip(row).for_each(|(c, v)| *c += u64::from(is_spike(*v)));
    }
    let most = counts.iter().copied().max().unwrap_or(0);
    // Headroom over the tallest bar; at least 1, so a silent layer still gets a y axis.
    let (x, y) = (cells(neurons), 0.0..(most + (most / 20).max(1)) as f64);
    let root = canvas(path)?;
    let mut chart = build(&root, path, title, x.clone(), y.clone())?;
    let whole = |v: &f64| whole_label(*v);
    chart_mesh(&mut chart)
        .disable_x_mesh()
        .x_labels(whole_labels(&x))
        .y_labels(whole_labels(&y))
        .x_label_formatter(&whole)
        .y_label_formatter(&whole)
        .x_desc("neuron")
        .y_desc("spikes")
        .draw()
        .map_err(|e| io(path, e))?;
    let (px, _) = chart.plotting_area().get_pixel_range();
    let w = (((px.end - px.start) as f64 / neurons as f64 * 0.8) as i32).max(1);
    for (n, &count) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
        let (cx, top) = chart.backend_coord(&(n as f64, count as f64));
        let (_, base) = chart.backend_coord(&(n as f64, 0.0));
        let x0 = cx - w / 2;
        root.draw(&Rectangle::new([(x0, top), (x0 + w, base)], PALETTE[0].filled())).map_err(|e| io(path, e))?;
    }
    save(root, path)
}

/// Membrane traces, `membrane` row-major `[steps, neurons]`: one line per neuron over the time
/// steps, for the first [`MAX_TRACES`] neurons only (the title says so when some are left out).
/// Non-finite values are skipped and break their line; if none is finite the axes are still
/// drawn. `threshold` (which must be finite) is drawn as a dashed horizontal line, and `spikes`
/// (same shape; nonzero, non-NaN = spike) as dots on the trace at the steps where it fired.
pub fn traces(
    path: &Path,
    membrane: &[f32],
    steps: usize,
    neurons: usize,
    threshold: Option<f32>,
    spikes: Option<&[f32]>,
    title: &str,
) -> Result<()> {
    check("membrane", membrane, steps, neurons)?;
    if let Some(spikes) = spikes {
        check("spikes", spikes, steps, neurons)?;
    }
    if let Some(th) = threshold.filter(|th| !th.is_finite()) {
        return Err(NeuroError::Range { argument: "threshold", value: th.to_string(), expected: "a finite number".into() });
    }
    let shown = neurons.min(MAX_TRACES);
    let at = |t: usize, n: usize| membrane[t * neurons + n];
    // The y range covers the finite values drawn and the threshold.
    let (mut lo, mut hi) = threshold.map_or((f64::INFINITY, f64::NEG_INFINITY), |th| (th as f64, th as f64));
    for v in membrane.chunks_exact(neurons).flat_map(|row| &row[..shown]).filter(|v| v.is_finite()) {
        (lo, hi) = (lo.min(*v as f64), hi.max(*v as f64));
    }
    if lo > hi {
        (lo, hi) = (-1.0, 1.0); // nothing finite: a unit range, so the axes still draw
    } else if lo == hi {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let pad = 0.05 * (hi - lo);
    let x = cells(steps);
    let root = canvas(path)?;
    let title = if shown < neurons { format!("{title} (first {shown} of {neurons} neurons)") } else { title.to_string() };
    let mut chart = build(&root, path, &title, x.clone(), lo - pad..hi + pad)?;
    let whole = |v: &f64| whole_label(*v);
    chart_mesh(&mut chart)
        .x_labels(whole_labels(&x))
        .x_label_formatter(&whole)
        .x_desc("time step")
        .y_desc("membrane potential")
        .draw()
        .map_err(|e| io(path, e))?;
    // Thick lines join segments with miters, which spike out of a long jagged trace.
    let width = if steps <= 200 { 2 } else { 1 };
    let mut legend = false;
    for n in 0..shown {
        let color = PALETTE[n % PALETTE.len()];
        let mut labelled = false;
        let mut run: Vec<(f64, f64)> = Vec::new();
        // One step past the end flushes the last run like a non-finite value would.
        for t in 0..=steps {
            let v = if t < steps { at(t, n) } else { f32::NAN };
            if v.is_finite() {
                run.push((t as f64, v as f64));
                continue;
            }
            if run.is_empty() {
                continue;
            }
            // A lone finite value between gaps has no segment: a small dot shows it instead.
            let drawn = if run.len() == 1 {
                chart.draw_series([Circle::new(run[0], 2, color.filled())])
            } else {
                chart.draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(width)))
            }
            .map_err(|e| io(path, e))?;
            run.clear();
            if shown <= MAX_LEGEND && !labelled {
                drawn.label(format!("neuron {n}")).legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], color.stroke_width(3)));
                (labelled, legend) = (true, true);
            }
        }
        if let Some(spikes) = spikes {
            let fired = (0..steps).filter(|&t| is_spike(spikes[t * neurons + n]) && at(t, n).is_finite());
            chart.draw_series(fired.map(|t| Circle::new((t as f64, at(t, n) as f64), 4, color.filled()))).map_err(|e| io(path, e))?;
        }
    }
    if let Some(th) = threshold {
        let line = DashedLineSeries::new([(x.start, th as f64), (x.end, th as f64)], 10, 6, BLACK.stroke_width(2));
        let drawn = chart.draw_series(line).map_err(|e| io(path, e))?;
        drawn.label("threshold").legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], BLACK.stroke_width(2)));
        legend = true;
    }
    if legend {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .margin(12)
            .label_font(text_style(LABEL_SIZE))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(|e| io(path, e))?;
    }
    save(root, path)
}

/// Rejects a slice that is not `steps * neurons` values, or an empty shape.
fn check(argument: &'static str, data: &[f32], steps: usize, neurons: usize) -> Result<()> {
    if steps == 0 || neurons == 0 || steps.checked_mul(neurons) != Some(data.len()) {
        let expected = format!("{steps} * {neurons} values (row-major [steps, neurons], both >= 1)");
        return Err(NeuroError::Shape { argument, actual: vec![data.len()], expected });
    }
    Ok(())
}

/// A spike is any nonzero value (graded spikes count once); NaN is not a spike.
fn is_spike(v: f32) -> bool {
    v != 0.0 && !v.is_nan()
}

fn io(path: &Path, e: impl std::fmt::Display) -> NeuroError {
    NeuroError::Io { path: path.display().to_string(), detail: e.to_string() }
}

/// Registers the bundled font as plotters' sans-serif family, once per process: plotters is
/// built without system font lookup, so text draws nothing until a font is registered. The
/// command line's charts use it too, so the font is compiled in once.
#[doc(hidden)]
pub fn register_font() -> std::result::Result<(), &'static str> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err("the bundled font DejaVuSans.ttf is not a valid font") }
}

fn text_style(size: f64) -> TextStyle<'static> {
    (FontFamily::SansSerif, size).into_font().color(&BLACK)
}

/// A white canvas for `path`; plotters only writes the file in [`save`].
fn canvas(path: &Path) -> Result<Area<'_>> {
    register_font().map_err(|e| io(path, e))?;
    let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| io(path, e))?;
    Ok(root)
}

fn save(root: Area<'_>, path: &Path) -> Result<()> {
    root.present().map_err(|e| io(path, e))
}

/// The titled chart frame over `x` by `y`; the title is cut with an ellipsis to fit the width.
fn build<'a>(root: &Area<'a>, path: &Path, title: &str, x: Range<f64>, y: Range<f64>) -> Result<Chart<'a>> {
    let style = text_style(TITLE_SIZE);
    let mut caption = title.to_string();
    while root.estimate_text_size(&caption, &style).is_ok_and(|(w, _)| w > WIDTH - 20) && caption.chars().count() > 1 {
        caption.pop();
        caption.pop();
        caption.push('…');
    }
    ChartBuilder::on(root)
        .caption(caption, style)
        .margin(12)
        .margin_right(28)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(x, y)
        .map_err(|e| io(path, e))
}

/// The mesh settings every picture shares (label and axis-description fonts).
fn chart_mesh<'a, 'b>(chart: &'b mut Chart<'a>) -> plotters::chart::MeshStyle<'a, 'b, RangedCoordf64, RangedCoordf64, BitMapBackend<'a>> {
    let mut mesh = chart.configure_mesh();
    mesh.label_style(text_style(LABEL_SIZE)).axis_desc_style(text_style(DESC_SIZE));
    mesh
}

/// `count` cells of width 1 centred on 0, 1, …, so a mark or bar sits on its index.
fn cells(count: usize) -> Range<f64> {
    -0.5..count as f64 - 0.5
}

/// At most one tick per whole unit (and at most 10): plotters then picks whole-number ticks only.
fn whole_labels(range: &Range<f64>) -> usize {
    ((range.end - range.start).floor() as usize).clamp(1, 10)
}

/// Ticks are whole numbers; going through an integer also turns a -0 into 0.
fn whole_label(v: f64) -> String {
    (v.round() as i64).to_string()
}

/// 80% of a cell, clamped to 1..=MAX_MARK pixels.
fn mark_size(cell: f64) -> i32 {
    ((cell * 0.8) as i32).clamp(1, MAX_MARK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A unique PNG path in the temp directory, removed when the test ends.
    struct Png(PathBuf);

    impl Png {
        fn new(test: &str) -> Png {
            Png(std::env::temp_dir().join(format!("burn-neuro-spikeplot-{test}-{}.png", std::process::id())))
        }

        /// The file is a PNG with more in it than a blank canvas of the same size.
        fn assert_drawn(&self) {
            let bytes = std::fs::read(&self.0).unwrap();
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", self.0.display());
            let blank = Png::new(&format!("blank-{}", self.0.file_stem().unwrap().to_string_lossy()));
            let area = BitMapBackend::new(&blank.0, (WIDTH, HEIGHT)).into_drawing_area();
            area.fill(&WHITE).and_then(|()| area.present()).unwrap();
            let blank_len = std::fs::metadata(&blank.0).unwrap().len() as usize;
            assert!(bytes.len() > blank_len + 1000, "{} is {} bytes, a blank one {blank_len}", self.0.display(), bytes.len());
        }
    }

    impl Drop for Png {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// A deterministic sparse pattern: about one spike in `every` cells.
    fn pattern(steps: usize, neurons: usize, every: usize) -> Vec<f32> {
        (0..steps * neurons).map(|i| f32::from((i * 7919 + i / neurons * 104_729).is_multiple_of(every))).collect()
    }

    #[test]
    fn rasters_and_spike_counts_write_pngs() {
        let png = Png::new("raster");
        raster(&png.0, &pattern(25, 10, 4), 25, 10, "Input spikes").unwrap();
        png.assert_drawn();
        let png = Png::new("raster-large");
        raster(&png.0, &pattern(100, 1000, 13), 100, 1000, "Hidden layer").unwrap();
        png.assert_drawn();
        let png = Png::new("counts");
        spike_counts(&png.0, &pattern(50, 10, 3), 50, 10, "Output spike counts").unwrap();
        png.assert_drawn();
    }

    #[test]
    fn traces_with_gaps_threshold_and_spikes_write_a_png() {
        let (steps, neurons) = (40, 20);
        let mut membrane: Vec<f32> = (0..steps * neurons).map(|i| ((i / neurons) as f32 * 0.3 + (i % neurons) as f32).sin()).collect();
        membrane[5 * neurons] = f32::NAN;
        membrane[9 * neurons + 1] = f32::INFINITY;
        let spikes: Vec<f32> = membrane.iter().map(|&v| f32::from(v > 0.9)).collect();
        let png = Png::new("traces");
        traces(&png.0, &membrane, steps, neurons, Some(0.9), Some(spikes.as_slice()), "Membrane").unwrap();
        png.assert_drawn();
        let png = Png::new("traces-nan");
        traces(&png.0, &[f32::NAN; 12], 4, 3, None, None, "All NaN").unwrap();
        png.assert_drawn();
    }

    #[test]
    fn bad_shapes_name_the_argument() {
        let path = std::env::temp_dir().join("burn-neuro-spikeplot-never-written.png");
        let argument = |r: Result<()>| match r {
            Err(NeuroError::Shape { argument, .. }) => argument,
            other => panic!("expected a shape error, got {other:?}"),
        };
        assert_eq!(argument(raster(&path, &[0.0; 5], 2, 3, "t")), "spikes");
        assert_eq!(argument(spike_counts(&path, &[], 0, 3, "t")), "spikes");
        assert_eq!(argument(traces(&path, &[0.0; 5], 2, 3, None, None, "t")), "membrane");
        assert_eq!(argument(traces(&path, &[0.0; 6], 2, 3, None, Some(&[0.0f32; 5][..]), "t")), "spikes");
        assert!(matches!(traces(&path, &[0.0; 6], 2, 3, Some(f32::NAN), None, "t"), Err(NeuroError::Range { .. })));
        assert!(!path.exists());
    }

    #[test]
    fn an_unwritable_path_is_an_io_error() {
        let path = std::env::temp_dir().join("burn-neuro-spikeplot-missing-dir").join("raster.png");
        match raster(&path, &[1.0; 4], 2, 2, "t") {
            Err(NeuroError::Io { path, .. }) => assert!(path.ends_with("raster.png"), "{path}"),
            other => panic!("expected an IO error, got {other:?}"),
        }
    }
}
