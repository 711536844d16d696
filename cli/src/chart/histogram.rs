//! Histograms: how values (device weights, conductances) are distributed over a fixed range.

use std::path::Path;

use plotters::prelude::*;

use super::{Axis, DESC_SIZE, Ends, LABEL_SIZE, LINE_HEIGHT, PALETTE, TITLE_SIZE, WIDTH, canvas, failed, fit, save, text_style};

/// A histogram of `values` in `bins` equal bins over `range` (values outside it are counted in
/// the first or last bin, and the count of them is noted in the title), with vertical marks at
/// `marks` (e.g. the device bounds).
pub fn histogram(path: &Path, title: &str, x_axis: &str, values: &[f32], range: (f64, f64), bins: usize, marks: &[f64]) -> Result<(), String> {
    let (lo, hi) = range;
    if !(hi > lo) || bins == 0 {
        return Err(format!("histogram {}: empty range {lo}..{hi} or no bins", path.display()));
    }
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u64; bins];
    let mut outside = 0;
    for &v in values.iter().filter(|v| v.is_finite()) {
        let v = v as f64;
        outside += u64::from(v < lo || v > hi);
        let bin = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
        counts[bin] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let x = Axis::linear(lo, hi, false, Ends::Pad);
    let y = Axis::linear(0.0, top, true, Ends::RoundUp);
    let root = canvas(path, LINE_HEIGHT)?;
    let mut caption = format!("{title} ({} values)", values.len());
    if outside > 0 {
        caption.push_str(&format!(", {outside} outside the range"));
    }
    let caption = fit(&root, &caption, &text_style(TITLE_SIZE), WIDTH - 20);
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, text_style(TITLE_SIZE))
        .margin(12)
        .margin_right(28)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(x.coord(), y.coord())
        .map_err(|e| failed(path, e))?;
    let (x_label, y_label) = (|v: &f64| x.label(*v), |v: &f64| y.label(*v));
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style(text_style(LABEL_SIZE))
        .axis_desc_style(text_style(DESC_SIZE))
        .x_desc(x_axis)
        .y_desc("count")
        .draw()
        .map_err(|e| failed(path, e))?;
    let bars = counts.iter().enumerate().map(|(i, &c)| {
        let left = lo + i as f64 * width;
        Rectangle::new([(left, 0.0), (left + width, c as f64)], PALETTE[0].filled())
    });
    chart.draw_series(bars).map_err(|e| failed(path, e))?;
    for &mark in marks {
        let line = PathElement::new([(mark, 0.0), (mark, top)], PALETTE[3].stroke_width(2));
        chart.draw_series([line]).map_err(|e| failed(path, e))?;
    }
    save(root, path)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Scratch, png_size};
    use super::*;

    #[test]
    fn a_histogram_writes_a_png_and_refuses_an_empty_range() {
        let dir = Scratch::new("histogram");
        let path = dir.0.join("h.png");
        let values: Vec<f32> = (0..1000).map(|i| ((i as f32) * 0.37).sin()).collect();
        histogram(&path, "Device weights", "weight", &values, (-1.2, 1.2), 48, &[-1.0, 1.0]).unwrap();
        assert_eq!(png_size(&path), (WIDTH, LINE_HEIGHT));
        assert!(histogram(&path, "x", "x", &values, (1.0, 1.0), 10, &[]).is_err());
    }
}
