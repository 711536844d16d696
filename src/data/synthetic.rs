//! A generated handwriting-like digit set, so `train` runs on a fresh machine with no files.
//!
//! Each digit 0–9 is a fixed set of pen strokes in a unit box (a seven-segment skeleton with a
//! ring for 0 and diagonals for 1, 2, 7). Every example draws its digit with a random affine
//! warp (scale, rotation, shear, shift), jittered stroke ends, a random pen width and pixel
//! noise, rasterised anti-aliased into 28×28 like MNIST (digit within the central 20×20). The
//! classes differ only in their strokes, so a model has to learn shapes, not intensities; the
//! same seed gives the same set on every machine.

use super::Dataset;

type Stroke = ((f32, f32), (f32, f32));

const TL: (f32, f32) = (0.2, 0.1);
const TR: (f32, f32) = (0.8, 0.1);
const ML: (f32, f32) = (0.2, 0.5);
const MR: (f32, f32) = (0.8, 0.5);
const BL: (f32, f32) = (0.2, 0.9);
const BR: (f32, f32) = (0.8, 0.9);

fn strokes(digit: u8) -> Vec<Stroke> {
    match digit {
        0 => (0..12)
            .map(|k| {
                let angle = |k: usize| k as f32 / 12.0 * std::f32::consts::TAU;
                let point = |a: f32| (0.5 + 0.32 * a.cos(), 0.5 + 0.42 * a.sin());
                (point(angle(k)), point(angle(k + 1)))
            })
            .collect(),
        1 => vec![((0.55, 0.1), (0.55, 0.9)), ((0.35, 0.28), (0.55, 0.1))],
        2 => vec![(TL, TR), (TR, MR), (MR, BL), (BL, BR)],
        3 => vec![(TL, TR), (TR, BR), (ML, MR), (BL, BR)],
        4 => vec![(TL, ML), (ML, MR), (TR, BR)],
        5 => vec![(TR, TL), (TL, ML), (ML, MR), (MR, BR), (BR, BL)],
        6 => vec![(TR, TL), (TL, BL), (BL, BR), (BR, MR), (MR, ML)],
        7 => vec![(TL, TR), (TR, (0.4, 0.9))],
        8 => vec![(TL, TR), (TR, BR), (BR, BL), (BL, TL), (ML, MR)],
        _ => vec![(ML, TL), (TL, TR), (TR, BR), (ML, MR)],
    }
}

/// SplitMix64 uniform numbers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
    }

    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next()
    }
}

fn distance_to_segment(p: (f32, f32), (a, b): Stroke) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length2 = dx * dx + dy * dy;
    let t = if length2 > 0.0 { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length2).clamp(0.0, 1.0) } else { 0.0 };
    let (cx, cy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
    (cx * cx + cy * cy).sqrt()
}

fn draw(digit: u8, rng: &mut Rng, pixels: &mut [f32]) {
    let (scale, angle, shear) = (rng.range(0.8, 1.05), rng.range(-0.25, 0.25), rng.range(-0.25, 0.25));
    let (shift_x, shift_y) = (rng.range(-1.5, 1.5), rng.range(-1.5, 1.5));
    let width = rng.range(0.9, 1.6); // pen half-width, pixels
    let (sin, cos) = angle.sin_cos();
    // Unit box → centred 20×20 pixel area, warped.
    let warp = |(x, y): (f32, f32)| {
        let (u, v) = ((x - 0.5) * 20.0 * scale, (y - 0.5) * 20.0 * scale);
        let u = u + shear * v;
        (14.0 + shift_x + cos * u - sin * v, 14.0 + shift_y + sin * u + cos * v)
    };
    let mut jitter = |p: (f32, f32)| (p.0 + rng.range(-0.04, 0.04), p.1 + rng.range(-0.04, 0.04));
    let pen: Vec<Stroke> = strokes(digit).into_iter().map(|(a, b)| (warp(jitter(a)), warp(jitter(b)))).collect();
    for y in 0..28 {
        for x in 0..28 {
            let centre = (x as f32 + 0.5, y as f32 + 0.5);
            let d = pen.iter().map(|s| distance_to_segment(centre, *s)).fold(f32::MAX, f32::min);
            // Anti-aliased pen edge.
            pixels[y * 28 + x] = (width + 0.5 - d).clamp(0.0, 1.0);
        }
    }
    for p in pixels.iter_mut() {
        *p = (*p + rng.range(-0.08, 0.08)).clamp(0.0, 1.0);
    }
}

/// `count` generated digits (labels cycle through 0–9 in a shuffled order), from `seed`.
pub fn digits(count: usize, seed: u64) -> Dataset {
    let mut rng = Rng(seed ^ 0xA076_1D64_78BD_642F);
    let mut images = vec![0.0; count * 784];
    let mut labels = Vec::with_capacity(count);
    for (i, pixels) in images.chunks_mut(784).enumerate() {
        let digit = ((i as u64 * 7 + (rng.next() * 3.0) as u64) % 10) as u8;
        draw(digit, &mut rng, pixels);
        labels.push(digit);
    }
    Dataset { images, labels, channels: 1, rows: 28, cols: 28 }
}

/// `count` generated "phantoms" of `size`×`size` pixels: smooth images of a few overlapping
/// Gaussian blobs (random centre, widths, orientation and brightness) on a dark oval, in the
/// spirit of an MRI slice; labels are 0. Values in [0, 1].
pub fn phantoms(count: usize, size: usize, seed: u64) -> Dataset {
    let mut rng = Rng(seed ^ 0x0B1B_5EED_F00D_CAFE);
    let mut images = vec![0.0; count * size * size];
    let s = size as f32;
    for pixels in images.chunks_mut(size * size) {
        // The body: an oval of random aspect filling most of the frame.
        let (ax, ay) = (0.30 + 0.12 * rng.next(), 0.30 + 0.12 * rng.next());
        let blobs: Vec<[f32; 6]> = (0..2 + (rng.next() * 3.0) as usize)
            .map(|_| {
                let angle = rng.next() * std::f32::consts::PI;
                [0.3 + 0.4 * rng.next(), 0.3 + 0.4 * rng.next(), 0.04 + 0.10 * rng.next(), 0.04 + 0.10 * rng.next(), angle, 0.3 + 0.7 * rng.next()]
            })
            .collect();
        for y in 0..size {
            for x in 0..size {
                let (u, v) = ((x as f32 + 0.5) / s, (y as f32 + 0.5) / s);
                let body = (((u - 0.5) / ax).powi(2) + ((v - 0.5) / ay).powi(2)).sqrt();
                let mut value = if body < 1.0 { 0.25 * (1.0 - body.powi(4)) } else { 0.0 };
                for [cx, cy, sx, sy, angle, weight] in &blobs {
                    let (dx, dy) = (u - cx, v - cy);
                    let (c, sn) = (angle.cos(), angle.sin());
                    let (p, q) = ((c * dx + sn * dy) / sx, (-sn * dx + c * dy) / sy);
                    value += weight * (-(p * p + q * q) / 2.0).exp();
                }
                pixels[y * size + x] = value.clamp(0.0, 1.0);
            }
        }
    }
    Dataset { images, labels: vec![0; count], channels: 1, rows: size, cols: size }
}
