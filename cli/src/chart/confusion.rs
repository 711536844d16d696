//! A confusion matrix as a heat map: one row per true class, one column per predicted class,
//! each cell shaded by its share of the row and labelled with its count.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{LABEL_SIZE, TITLE_SIZE, WIDTH, canvas, failed, fit, save, text_style, text_width};

const CELL: u32 = 44;

/// Draws `counts[true][predicted]` for `classes` (names) into `path`.
pub fn confusion_matrix(path: &Path, title: &str, classes: &[String], counts: &[Vec<usize>]) -> Result<(), String> {
    let n = classes.len().max(1);
    let height = 120 + CELL * n as u32 + 40;
    let root = canvas(path, height)?;
    let labels = text_style(LABEL_SIZE);
    // Row labels carry the column index in front of the name.
    let rows: Vec<String> = classes.iter().enumerate().map(|(i, c)| format!("{i} {c}")).collect();
    let widest = rows.iter().map(|r| text_width(&root, r, &labels)).max().unwrap_or(0);
    let left = (widest + 24).clamp(80, WIDTH / 2);
    let names: Vec<String> = rows.iter().map(|r| fit(&root, r, &labels, left - 16)).collect();
    let caption = fit(&root, title, &text_style(TITLE_SIZE), WIDTH - 20);
    root.draw(&Text::new(caption, (WIDTH as i32 / 2, 14), text_style(TITLE_SIZE).pos(Pos::new(HPos::Center, VPos::Top))))
        .map_err(|e| failed(path, e))?;
    let top = 90i32;
    let left = left as i32;
    let cell = CELL as i32;
    let centered = labels.pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new("predicted →", (left + cell * n as i32 / 2, top - 36), centered.clone())).map_err(|e| failed(path, e))?;
    for (j, _) in classes.iter().enumerate() {
        root.draw(&Text::new(j.to_string(), (left + cell * j as i32 + cell / 2, top - 14), centered.clone())).map_err(|e| failed(path, e))?;
    }
    for (i, row) in counts.iter().enumerate().take(n) {
        let y = top + cell * i as i32;
        let name = names.get(i).cloned().unwrap_or_default();
        root.draw(&Text::new(name, (left - 8, y + cell / 2), labels.pos(Pos::new(HPos::Right, VPos::Center)))).map_err(|e| failed(path, e))?;
        let total = row.iter().sum::<usize>().max(1) as f64;
        for (j, &count) in row.iter().enumerate().take(n) {
            let share = count as f64 / total;
            // White to the palette's blue by the share of the true class.
            let shade = |full: u8| (255.0 - share * (255.0 - full as f64)).round() as u8;
            let fill = RGBColor(shade(31), shade(119), shade(180));
            let x = left + cell * j as i32;
            root.draw(&Rectangle::new([(x, y), (x + cell - 1, y + cell - 1)], fill.filled())).map_err(|e| failed(path, e))?;
            let ink = if share > 0.6 { WHITE } else { BLACK };
            root.draw(&Text::new(count.to_string(), (x + cell / 2, y + cell / 2), centered.clone().color(&ink))).map_err(|e| failed(path, e))?;
        }
    }
    save(root, path)
}
