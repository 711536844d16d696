//! Small PNG charts (bars and lines with labelled axes) for benchmark and training reports,
//! drawn with embedded-graphics' primitives and fonts into an `image` buffer.

use std::path::Path;

use embedded_graphics::mono_font::MonoTextStyle;
use embedded_graphics::mono_font::ascii::FONT_6X10;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{Line, PrimitiveStyle, Rectangle};
use embedded_graphics::text::{Alignment, Text};
use image::{Rgb, RgbImage};

const WIDTH: u32 = 900;
const MARGIN_LEFT: i32 = 250;
const MARGIN_RIGHT: i32 = 40;
const MARGIN_TOP: i32 = 40;
const MARGIN_BOTTOM: i32 = 50;
const PALETTE: [Rgb888; 6] = [
    Rgb888::new(31, 119, 180),
    Rgb888::new(255, 127, 14),
    Rgb888::new(44, 160, 44),
    Rgb888::new(214, 39, 40),
    Rgb888::new(148, 103, 189),
    Rgb888::new(140, 86, 75),
];

struct Canvas(RgbImage);

impl OriginDimensions for Canvas {
    fn size(&self) -> Size {
        Size::new(self.0.width(), self.0.height())
    }
}

impl DrawTarget for Canvas {
    type Color = Rgb888;
    type Error = std::convert::Infallible;

    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(&mut self, pixels: I) -> Result<(), Self::Error> {
        for Pixel(point, color) in pixels {
            if point.x >= 0 && point.y >= 0 && (point.x as u32) < self.0.width() && (point.y as u32) < self.0.height() {
                self.0.put_pixel(point.x as u32, point.y as u32, Rgb([color.r(), color.g(), color.b()]));
            }
        }
        Ok(())
    }
}

impl Canvas {
    fn new(height: u32) -> Self {
        Canvas(RgbImage::from_pixel(WIDTH, height, Rgb([255, 255, 255])))
    }

    fn text(&mut self, text: &str, at: Point, alignment: Alignment) {
        let style = MonoTextStyle::new(&FONT_6X10, Rgb888::BLACK);
        let _ = Text::with_alignment(text, at, style, alignment).draw(self);
    }

    fn line(&mut self, from: Point, to: Point, color: Rgb888, width: u32) {
        let _ = Line::new(from, to).into_styled(PrimitiveStyle::with_stroke(color, width)).draw(self);
    }

    fn save(self, path: &Path) -> Result<(), String> {
        self.0.save(path).map_err(|e| format!("writing {}: {e}", path.display()))
    }
}

/// Horizontal bars, one per `(label, value)`, on a linear axis from 0.
pub fn bar_chart(path: &Path, title: &str, axis: &str, bars: &[(String, f64)]) -> Result<(), String> {
    let row = 22;
    let height = (MARGIN_TOP + MARGIN_BOTTOM + row * bars.len().max(1) as i32) as u32;
    let mut canvas = Canvas::new(height);
    canvas.text(title, Point::new(WIDTH as i32 / 2, 20), Alignment::Center);
    let plot_width = WIDTH as i32 - MARGIN_LEFT - MARGIN_RIGHT;
    let max = bars.iter().map(|b| b.1).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = MARGIN_TOP + row * i as i32;
        let length = ((value / max) * plot_width as f64).round().max(1.0) as u32;
        let color = PALETTE[i % PALETTE.len()];
        let _ = Rectangle::new(Point::new(MARGIN_LEFT, y + 4), Size::new(length, (row - 8) as u32))
            .into_styled(PrimitiveStyle::with_fill(color))
            .draw(&mut canvas);
        canvas.text(label, Point::new(MARGIN_LEFT - 6, y + 14), Alignment::Right);
        canvas.text(&format_value(*value), Point::new(MARGIN_LEFT + length as i32 + 4, y + 14), Alignment::Left);
    }
    let bottom = height as i32 - MARGIN_BOTTOM + 8;
    canvas.line(Point::new(MARGIN_LEFT, MARGIN_TOP), Point::new(MARGIN_LEFT, bottom), Rgb888::BLACK, 1);
    canvas.text(axis, Point::new(MARGIN_LEFT + plot_width / 2, height as i32 - 16), Alignment::Center);
    canvas.save(path)
}

/// One named series of `(x, y)` points.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Lines over a shared x axis (log-scaled when `log_x`), with a legend.
pub fn line_chart(path: &Path, title: &str, x_axis: &str, y_axis: &str, series: &[Series], log_x: bool) -> Result<(), String> {
    let height = 480u32;
    let mut canvas = Canvas::new(height);
    canvas.text(title, Point::new(WIDTH as i32 / 2, 20), Alignment::Center);
    let fx = |x: f64| if log_x { x.max(f64::MIN_POSITIVE).log10() } else { x };
    let points = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, 0.0f64, f64::MIN);
    for &(x, y) in points {
        x0 = x0.min(fx(x));
        x1 = x1.max(fx(x));
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        y1 = y0 + 1.0;
    }
    let (left, right, top, bottom) = (120, WIDTH as i32 - MARGIN_RIGHT, MARGIN_TOP, height as i32 - MARGIN_BOTTOM);
    let to_px = |x: f64, y: f64| {
        Point::new(
            left + ((fx(x) - x0) / (x1 - x0) * (right - left) as f64) as i32,
            bottom - ((y - y0) / (y1 - y0) * (bottom - top) as f64) as i32,
        )
    };
    canvas.line(Point::new(left, top), Point::new(left, bottom), Rgb888::BLACK, 1);
    canvas.line(Point::new(left, bottom), Point::new(right, bottom), Rgb888::BLACK, 1);
    for k in 0..=4 {
        let y = y0 + (y1 - y0) * k as f64 / 4.0;
        let p = Point::new(left, bottom - ((bottom - top) * k / 4));
        canvas.line(p, p + Point::new(-4, 0), Rgb888::BLACK, 1);
        canvas.text(&format_value(y), p + Point::new(-8, 3), Alignment::Right);
        let xv = x0 + (x1 - x0) * k as f64 / 4.0;
        let q = Point::new(left + (right - left) * k / 4, bottom);
        canvas.line(q, q + Point::new(0, 4), Rgb888::BLACK, 1);
        let label = if log_x { format_value(10f64.powf(xv)) } else { format_value(xv) };
        canvas.text(&label, q + Point::new(0, 16), Alignment::Center);
    }
    canvas.text(x_axis, Point::new((left + right) / 2, height as i32 - 12), Alignment::Center);
    canvas.text(y_axis, Point::new(10, top - 14), Alignment::Left);
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        for w in s.points.windows(2) {
            canvas.line(to_px(w[0].0, w[0].1), to_px(w[1].0, w[1].1), color, 2);
        }
        for &(x, y) in &s.points {
            let p = to_px(x, y);
            let _ = Rectangle::new(p - Point::new(2, 2), Size::new(5, 5)).into_styled(PrimitiveStyle::with_fill(color)).draw(&mut canvas);
        }
        let legend = Point::new(right - 220, top + 14 * i as i32 + 6);
        canvas.line(legend, legend + Point::new(20, 0), color, 3);
        canvas.text(&s.name, legend + Point::new(26, 3), Alignment::Left);
    }
    canvas.save(path)
}

fn format_value(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.001 {
        format!("{v:.3}")
    } else {
        format!("{v:.1e}")
    }
}
