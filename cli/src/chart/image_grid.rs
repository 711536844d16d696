//! Grey images in a labelled grid: one column per kind of picture, one row per example.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{LABEL_SIZE, TITLE_SIZE, failed, register_font, text_style};

/// Screen pixels per image pixel.
const SCALE: u32 = 4;
const GAP: u32 = 6;

/// Draws `cells[row][column]` (each `height × width` values in [0, 1], row-major) under
/// `columns` labels into `path`.
pub fn image_grid(path: &Path, title: &str, columns: &[String], cells: &[Vec<Vec<f32>>], [height, width]: [usize; 2]) -> Result<(), String> {
    register_font()?;
    let (cell_w, cell_h) = (width as u32 * SCALE, height as u32 * SCALE);
    let top = 80u32;
    let canvas_w = (GAP + columns.len() as u32 * (cell_w + GAP)).max(420);
    let canvas_h = top + cells.len() as u32 * (cell_h + GAP) + GAP;
    let root = BitMapBackend::new(path, (canvas_w, canvas_h)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(path, e))?;
    root.draw(&Text::new(title.to_string(), (canvas_w as i32 / 2, 10), text_style(TITLE_SIZE).pos(Pos::new(HPos::Center, VPos::Top))))
        .map_err(|e| failed(path, e))?;
    let label = text_style(LABEL_SIZE * 0.8).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (c, name) in columns.iter().enumerate() {
        let x = (GAP + c as u32 * (cell_w + GAP) + cell_w / 2) as i32;
        // Up to three lines, the last just above the images.
        let lines: Vec<&str> = name.split('\n').take(3).collect();
        for (k, line) in lines.iter().enumerate() {
            let y = top as i32 - 4 - 18 * (lines.len() - 1 - k) as i32;
            root.draw(&Text::new(line.to_string(), (x, y), label.clone())).map_err(|e| failed(path, e))?;
        }
    }
    for (r, row) in cells.iter().enumerate() {
        for (c, image) in row.iter().enumerate() {
            let (x0, y0) = (GAP + c as u32 * (cell_w + GAP), top + r as u32 * (cell_h + GAP));
            for (i, value) in image.iter().enumerate().take(height * width) {
                let grey = (value.clamp(0.0, 1.0) * 255.0).round() as u8;
                let (px, py) = (x0 + (i % width) as u32 * SCALE, y0 + (i / width) as u32 * SCALE);
                root.draw(&Rectangle::new([(px as i32, py as i32), ((px + SCALE) as i32, (py + SCALE) as i32)], RGBColor(grey, grey, grey).filled()))
                    .map_err(|e| failed(path, e))?;
            }
        }
    }
    root.present().map_err(|e| failed(path, e))
}
