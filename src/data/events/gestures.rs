//! A generated event-camera gesture set that needs no download, in which only the order of the
//! events in time tells some classes apart.
//!
//! Six classes on a `size`×`size` sensor (rows grow downwards): a bar sweeping right, left,
//! down or up across it, and a blob circling clockwise or counter-clockwise. A bar sweeping
//! right covers the same pixels as one sweeping left, and the two circles the same ring, so a
//! frame summed over time cannot tell these pairs apart: a model has to use when pixels fired.
//!
//! Events are made the way a DVS makes them. At each of 80 time steps the pixels the object
//! enters emit one event and the pixels it leaves another, at a random time within the step.
//! A bright object on a dark background gives ON where it enters and OFF where it leaves, so
//! reversing a sweep would swap the polarities; each sample therefore also flips a coin for a
//! dark object on a bright background, which swaps them back, and polarity alone does not tell
//! the direction either. Per sample: speed ±20 %, start-time jitter, bar width and extent,
//! circle centre, radius, blob size and start phase, and uniform background noise (5 % of the
//! events, random polarity). Circles start near the top: with a uniformly random phase the
//! first half of a clockwise turn would look, on average, like that of a counter-clockwise one.
//! Example `i` has class `i % 6`; the same seed gives the same set on every machine.

use std::f64::consts::{FRAC_PI_2, TAU};

use super::{Event, EventDataset, EventStream};
use crate::rng::SplitMix64 as Rng;

/// The time window every sample lies in, `[0, GESTURE_WINDOW_US)` µs.
pub const GESTURE_WINDOW_US: i64 = 500_000;

/// Class names, indexed by label.
pub const GESTURE_CLASSES: [&str; 6] = ["bar right", "bar left", "bar down", "bar up", "clockwise", "counter-clockwise"];

/// Time steps of a motion: enough that a pixel is crossed in about one step at sizes near 32.
const STEPS: usize = 80;
/// A motion's duration at the mean speed.
const BASE_DURATION_US: f64 = 350_000.0;
/// The most a motion's start moves off the window's centre.
const START_JITTER_US: f64 = 20_000.0;
/// Share of background noise among a sample's events.
const NOISE_FRACTION: f64 = 0.05;

/// Uniform in `0..n` (0 when `n` is 0).
fn below(rng: &mut Rng, n: u16) -> u16 {
    ((rng.uniform() * f64::from(n)) as u16).min(n.saturating_sub(1))
}

/// The moving object of one sample, in pixel units.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// A bar `width` thick spanning `lo..hi` across its motion, its near edge moving from `from`
    /// to `to` along x (`along_x`) or y.
    Bar { along_x: bool, from: f64, to: f64, width: f64, lo: f64, hi: f64 },
    /// A disc of radius `blob` whose centre circles `(cx, cy)` at `radius` once, starting at
    /// angle `phase`; `turn` is 1 for clockwise on screen (rows grow downwards), -1 for
    /// counter-clockwise.
    Circle { cx: f64, cy: f64, radius: f64, blob: f64, phase: f64, turn: f64 },
}

impl Shape {
    /// A random object for `class` on a `size`-pixel sensor.
    fn draw(class: u8, size: f64, rng: &mut Rng) -> Shape {
        if class < 4 {
            let width = size * rng.range(0.12, 0.2);
            // Both directions draw their extent from one distribution (just outside or inside
            // one side to the other), so they cover the same pixels on average.
            let (near, far) = (rng.range(-width, 0.1 * size), rng.range(0.9 * size - width, size));
            let (lo, hi) = (size * rng.range(0.0, 0.2), size * (1.0 - rng.range(0.0, 0.2)));
            let (from, to) = if class.is_multiple_of(2) { (near, far) } else { (far, near) };
            Shape::Bar { along_x: class < 2, from, to, width, lo, hi }
        } else {
            let jitter = 0.04 * size;
            let cx = size / 2.0 + rng.range(-jitter, jitter);
            let cy = size / 2.0 + rng.range(-jitter, jitter);
            let (radius, blob) = (size * rng.range(0.24, 0.3), size * rng.range(0.08, 0.12));
            let phase = -FRAC_PI_2 + rng.range(-0.4, 0.4);
            Shape::Circle { cx, cy, radius, blob, phase, turn: if class == 4 { 1.0 } else { -1.0 } }
        }
    }

    /// Which pixels (by their centres) the object covers at progress `s` in [0, 1], row-major.
    fn coverage(&self, s: f64, n: usize) -> Vec<bool> {
        let covers: Box<dyn Fn(f64, f64) -> bool> = match *self {
            Shape::Bar { along_x, from, to, width, lo, hi } => {
                let edge = from + (to - from) * s;
                Box::new(move |x: f64, y: f64| {
                    let (along, across) = if along_x { (x, y) } else { (y, x) };
                    (edge..edge + width).contains(&along) && (lo..hi).contains(&across)
                })
            }
            Shape::Circle { cx, cy, radius, blob, phase, turn } => {
                let angle = phase + turn * TAU * s;
                let (bx, by) = (cx + radius * angle.cos(), cy + radius * angle.sin());
                Box::new(move |x: f64, y: f64| (x - bx) * (x - bx) + (y - by) * (y - by) < blob * blob)
            }
        };
        (0..n * n).map(|i| covers((i % n) as f64 + 0.5, (i / n) as f64 + 0.5)).collect()
    }
}

/// Every pixel change of `shape`'s motion: `(step in 1..=STEPS, pixel, whether it was entered)`.
fn changes(shape: &Shape, n: usize) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    let mut before = shape.coverage(0.0, n);
    for k in 1..=STEPS {
        let now = shape.coverage(k as f64 / STEPS as f64, n);
        out.extend(before.iter().zip(&now).enumerate().filter(|(_, (was, is))| was != is).map(|(i, (_, &is))| (k, i, is)));
        before = now;
    }
    out
}

/// One sample of `class`.
fn sample(class: u8, size: u16, rng: &mut Rng) -> EventStream {
    let n = size as usize;
    let window = GESTURE_WINDOW_US as f64;
    let duration = BASE_DURATION_US / rng.range(0.8, 1.2);
    // The motion is centred in the window, give or take the jitter, and always inside it.
    let slack = (window - duration) / 2.0;
    let start = slack + rng.range(-1.0, 1.0) * slack.min(START_JITTER_US);
    let dark = rng.coin();
    let shape = Shape::draw(class, f64::from(size), rng);
    let step = duration / STEPS as f64;
    let mut events = Vec::new();
    for (k, pixel, entered) in changes(&shape, n) {
        let t = (start + (k as f64 - 1.0 + rng.uniform()) * step) as i64;
        events.push(Event { t: t.clamp(0, GESTURE_WINDOW_US - 1), x: (pixel % n) as u16, y: (pixel / n) as u16, on: entered != dark });
    }
    let noise = (events.len() as f64 * NOISE_FRACTION / (1.0 - NOISE_FRACTION)).round() as usize;
    for _ in 0..noise {
        let t = (rng.uniform() * window) as i64;
        events.push(Event { t, x: below(rng, size), y: below(rng, size), on: rng.coin() });
    }
    events.sort_by_key(|e| e.t);
    EventStream { width: size, height: size, events }
}

/// `count` generated gestures on a `size`×`size` sensor (32 is a good size), example `i` of
/// class `i % 6` (see [`GESTURE_CLASSES`]), all within `[0, GESTURE_WINDOW_US)`, from `seed`.
pub fn moving_gestures(count: usize, seed: u64, size: u16) -> EventDataset {
    let mut rng = Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B);
    let labels: Vec<u8> = (0..count).map(|i| (i % GESTURE_CLASSES.len()) as u8).collect();
    let samples = labels.iter().map(|&class| sample(class, size, &mut rng)).collect();
    EventDataset { samples, labels, classes: GESTURE_CLASSES.iter().map(|c| c.to_string()).collect() }
}

#[cfg(test)]
mod tests {
    use super::super::FrameValue;
    use super::*;

    const SIZE: usize = 32;

    /// The mean over a class's examples of its frames in `bins` bins over the window, the two
    /// polarities added: `[bins, SIZE, SIZE]`.
    fn class_mean(set: &EventDataset, class: u8, bins: usize) -> Vec<f64> {
        let indices: Vec<usize> = (0..set.len()).filter(|&i| set.labels[i] == class).collect();
        let (frames, _) = set.frames(&indices, bins, GESTURE_WINDOW_US, FrameValue::Count).unwrap();
        let plane = SIZE * SIZE;
        let mut mean = vec![0.0; bins * plane];
        // Planes come as [example, bin, polarity].
        for (p, values) in frames.chunks(plane).enumerate() {
            let bin = (p / 2) % bins;
            for (m, v) in mean[bin * plane..(bin + 1) * plane].iter_mut().zip(values) {
                *m += f64::from(*v) / indices.len() as f64;
            }
        }
        mean
    }

    /// Σ|a − b| over the mean mass of a and b: 0 for equal frames, 2 for disjoint ones.
    fn relative_l1(a: &[f64], b: &[f64]) -> f64 {
        let diff: f64 = a.iter().zip(b).map(|(p, q)| (p - q).abs()).sum();
        let mass: f64 = a.iter().chain(b).map(|v| v.abs()).sum();
        diff / (mass / 2.0)
    }

    #[test]
    fn labels_are_balanced_and_events_sorted_inside_the_sensor() {
        let set = moving_gestures(60, 3, SIZE as u16);
        assert_eq!((set.len(), set.classes.len()), (60, 6));
        for class in 0..6u8 {
            assert_eq!(set.labels.iter().filter(|&&l| l == class).count(), 10);
        }
        assert!(set.labels.iter().enumerate().all(|(i, &l)| l as usize == i % 6));
        let (mut on, mut all) = (0, 0);
        for (i, s) in set.samples.iter().enumerate() {
            assert!(s.check().is_ok(), "sample {i} is out of order or outside the sensor");
            assert!(s.events.len() > 100, "sample {i} has only {} events", s.events.len());
            assert!(s.events.iter().all(|e| (0..GESTURE_WINDOW_US).contains(&e.t)));
            on += s.events.iter().filter(|e| e.on).count();
            all += s.events.len();
        }
        let share = on as f64 / all as f64;
        assert!((0.45..0.55).contains(&share), "ON share {share}");
        let small = moving_gestures(6, 1, 8);
        assert!(small.samples.iter().all(|s| s.check().is_ok() && (s.width, s.height) == (8, 8)));
        assert!(moving_gestures(6, 1, 0).samples.iter().all(|s| s.events.is_empty()));
    }

    #[test]
    fn the_same_seed_gives_the_same_set() {
        let (a, b, c) = (moving_gestures(12, 9, 24), moving_gestures(12, 9, 24), moving_gestures(12, 10, 24));
        assert_eq!((&a.samples, &a.labels), (&b.samples, &b.labels));
        assert_ne!(a.samples, c.samples);
    }

    #[test]
    fn reversed_motions_change_the_same_pixels() {
        let mut rng = Rng(5);
        for class in [0u8, 2, 4] {
            for _ in 0..4 {
                let shape = Shape::draw(class, SIZE as f64, &mut rng);
                let reversed = match shape {
                    Shape::Bar { along_x, from, to, width, lo, hi } => Shape::Bar { along_x, from: to, to: from, width, lo, hi },
                    Shape::Circle { cx, cy, radius, blob, phase, turn } => Shape::Circle { cx, cy, radius, blob, phase, turn: -turn },
                };
                let counts = |shape: &Shape| {
                    let mut tally = vec![[0u32; 2]; SIZE * SIZE];
                    for (_, pixel, entered) in changes(shape, SIZE) {
                        tally[pixel][entered as usize] += 1;
                    }
                    tally
                };
                // Played backwards, every entry is a departure and the reverse.
                let swapped: Vec<[u32; 2]> = counts(&shape).iter().map(|&[left, entered]| [entered, left]).collect();
                assert_eq!(swapped, counts(&reversed), "{shape:?}");
                assert!(swapped.iter().any(|c| c[0] + c[1] > 0));
            }
        }
    }

    #[test]
    fn summed_frames_are_direction_blind_but_halves_are_not() {
        // 100 examples a class: the means' sampling noise stays well below the bound.
        let set = moving_gestures(600, 11, SIZE as u16);
        for (a, b) in [(0u8, 1u8), (2, 3), (4, 5)] {
            let names = (&set.classes[a as usize], &set.classes[b as usize]);
            let summed = relative_l1(&class_mean(&set, a, 1), &class_mean(&set, b, 1));
            assert!(summed < 0.15, "{names:?}: summed frames differ by {summed:.3}");
            let halves = relative_l1(&class_mean(&set, a, 2), &class_mean(&set, b, 2));
            assert!(halves > 0.5, "{names:?}: first and second halves differ by only {halves:.3}");
        }
    }
}
