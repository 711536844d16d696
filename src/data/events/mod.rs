//! Event-camera (DVS) data: streams of address events `(t, x, y, polarity)` and their frames.
//!
//! - [`aedat`] reads and writes AEDAT 3.1 files (DVS128 Gesture's format) and its label files;
//! - [`npy`] reads and writes the NumPy `.npy`/`.npz` arrays tonic caches events in;
//! - [`gestures`] generates a gesture set that needs no download, in which only the order of
//!   the events in time tells some classes apart.
//!
//! A network sees an [`EventStream`] as [`Frames`] `[bins, 2, height, width]`: events counted (or
//! marked) per pixel and polarity in each time bin, as tonic's `ToFrame` does.
//!
//! ```
//! # fn main() -> burn_neuro::Result<()> {
//! use burn_neuro::data::events::{FrameValue, gestures};
//!
//! let set = gestures::moving_gestures(12, 7, 32);
//! assert_eq!((set.len(), set.classes.len()), (12, 6));
//! // Three samples, each as 10 time bins over the gesture window.
//! let (frames, labels) = set.frames(&[0, 1, 2], 10, gestures::GESTURE_WINDOW_US, FrameValue::Count)?;
//! assert_eq!(frames.len(), 3 * 10 * 2 * 32 * 32);
//! assert_eq!(labels, vec![0, 1, 2]);
//! # Ok(())
//! # }
//! ```

pub mod aedat;
pub mod gestures;
pub mod npy;

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{NeuroError, Result};

/// The error for the file at `path`.
fn io_error(path: &Path, detail: impl Into<String>) -> NeuroError {
    NeuroError::Io { path: path.display().to_string(), detail: detail.into() }
}

/// One address event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Timestamp in microseconds.
    pub t: i64,
    /// Column, 0 at the left.
    pub x: u16,
    /// Row as the sensor reports it (see each reader for its direction).
    pub y: u16,
    /// Polarity: `true` = ON (the pixel got brighter), `false` = OFF.
    pub on: bool,
}

/// The events of one recording on a `width`×`height` sensor, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct EventStream {
    /// Sensor width in pixels.
    pub width: u16,
    /// Sensor height in pixels.
    pub height: u16,
    /// Events, timestamps non-decreasing.
    pub events: Vec<Event>,
}

/// How [`EventStream::frames`] cuts a stream into time bins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Binning {
    /// Fixed bin width in µs; the first bin starts at the first event.
    Duration {
        /// Bin width in µs (positive).
        micros: i64,
    },
    /// A fixed number of events per bin; the last, partial bin is kept.
    EventCount {
        /// Events per bin (positive).
        events: usize,
    },
    /// The stream's time span cut into this many equal bins (tonic's `n_time_bins`). The last
    /// bin is closed, so the last event is counted.
    Bins {
        /// Number of bins (positive).
        count: usize,
    },
}

/// What a frame holds at a pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameValue {
    /// Events per pixel per polarity per bin.
    Count,
    /// 1 where a pixel had at least one event of that polarity in the bin (RN-Net's δ), else 0.
    Binary,
}

/// Frames `[bins, 2, height, width]` row-major, channel 0 = OFF, channel 1 = ON (tonic's order:
/// the polarity as an index).
#[derive(Debug, Clone, PartialEq)]
pub struct Frames {
    /// Values, `[bins, 2, height, width]` row-major.
    pub data: Vec<f32>,
    /// Number of time bins.
    pub bins: usize,
    /// Frame height.
    pub height: usize,
    /// Frame width.
    pub width: usize,
}

impl Frames {
    /// The frames as a `[bins, 2, height, width]` tensor on `device`.
    pub fn to_tensor(&self, device: &Device) -> Tensor<4> {
        Tensor::from_data(TensorData::new(self.data.clone(), [self.bins, 2, self.height, self.width]), device)
    }

    /// The sum over bins, `[2, height, width]`: what is left when time is collapsed.
    pub fn summed(&self) -> Vec<f32> {
        let plane = 2 * self.height * self.width;
        let mut out = vec![0.0; plane];
        if plane == 0 {
            // A sensor without pixels; `chunks_exact` refuses a zero length.
            return out;
        }
        for bin in self.data.chunks_exact(plane) {
            for (o, v) in out.iter_mut().zip(bin) {
                *o += v;
            }
        }
        out
    }
}

impl EventStream {
    /// A stream, checking that every event lies inside `width`×`height` and that timestamps
    /// are non-decreasing; the error names the first bad event's index.
    pub fn new(width: u16, height: u16, events: Vec<Event>) -> Result<Self> {
        let stream = EventStream { width, height, events };
        stream.check()?;
        Ok(stream)
    }

    /// [`new`](Self::new)'s checks, repeated where a stream built field by field reaches code
    /// that indexes with its coordinates.
    fn check(&self) -> Result<()> {
        let mut previous = i64::MIN;
        for (i, e) in self.events.iter().enumerate() {
            if e.x >= self.width || e.y >= self.height {
                return Err(NeuroError::Range {
                    argument: "events",
                    value: format!("event {i} at (x {}, y {})", e.x, e.y),
                    expected: format!("coordinates inside the {}×{} sensor", self.width, self.height),
                });
            }
            if e.t < previous {
                return Err(NeuroError::Range {
                    argument: "events",
                    value: format!("event {i} at t {} µs", e.t),
                    expected: format!("non-decreasing timestamps (event {} is at t {previous} µs)", i - 1),
                });
            }
            previous = e.t;
        }
        Ok(())
    }

    /// Last timestamp minus first, 0 for an empty stream.
    pub fn duration(&self) -> i64 {
        match (self.events.first(), self.events.last()) {
            (Some(first), Some(last)) => last.t.saturating_sub(first.t),
            _ => 0,
        }
    }

    /// The events with `start <= t < end`, timestamps kept.
    pub fn slice_time(&self, start: i64, end: i64) -> EventStream {
        // Events are sorted, so the slice is one contiguous range.
        let from = self.events.partition_point(|e| e.t < start);
        let to = self.events.partition_point(|e| e.t < end).max(from);
        EventStream { width: self.width, height: self.height, events: self.events[from..to].to_vec() }
    }

    /// The stream as frames `[bins, 2, height, width]`. [`Binning::Duration`] and
    /// [`Binning::EventCount`] need at least one event; [`Binning::Bins`] over an empty stream
    /// gives all-zero frames.
    pub fn frames(&self, binning: Binning, value: FrameValue) -> Result<Frames> {
        self.check()?;
        let bad = |expected: &str| NeuroError::Range { argument: "binning", value: format!("{binning:?}"), expected: expected.into() };
        let (first, last) = match (self.events.first(), self.events.last()) {
            (Some(first), Some(last)) => (first.t, last.t),
            _ => (0, 0),
        };
        let empty = || NeuroError::Range {
            argument: "stream",
            value: "an empty stream".into(),
            expected: format!("an event stream with at least one event for {binning:?}"),
        };
        match binning {
            Binning::Duration { micros } => {
                if micros <= 0 {
                    return Err(bad("a bin width of at least 1 µs"));
                }
                if self.events.is_empty() {
                    return Err(empty());
                }
                // i128: a span between extreme timestamps does not fit in i64.
                let offset = |t: i64| (t as i128 - first as i128) / micros as i128;
                let bins = (offset(last) as usize).saturating_add(1);
                self.accumulate(bins, value, |_, e| Some(offset(e.t) as usize))
            }
            Binning::EventCount { events } => {
                if events == 0 {
                    return Err(bad("at least 1 event per bin"));
                }
                if self.events.is_empty() {
                    return Err(empty());
                }
                self.accumulate(self.events.len().div_ceil(events), value, |i, _| Some(i / events))
            }
            Binning::Bins { count } => {
                if count == 0 {
                    return Err(bad("at least 1 bin"));
                }
                let span = last as i128 - first as i128;
                self.accumulate(count, value, |_, e| {
                    let bin = if span == 0 { 0 } else { ((e.t as i128 - first as i128) * count as i128 / span) as usize };
                    Some(bin.min(count - 1))
                })
            }
        }
    }

    /// Frames of `bins` equal bins over the fixed window `[start, end)`; events outside it are
    /// dropped, so every stream gives the same number of bins.
    fn window_frames(&self, start: i64, end: i64, bins: usize, value: FrameValue) -> Result<Frames> {
        self.check()?;
        let span = (end as i128 - start as i128).max(1);
        self.accumulate(bins, value, |_, e| (start..end).contains(&e.t).then(|| ((e.t as i128 - start as i128) * bins as i128 / span) as usize))
    }

    /// Counts or marks each event in the bin `bin_of(index, event)` gives (`None` drops it).
    /// Coordinates must have been checked.
    fn accumulate(&self, bins: usize, value: FrameValue, bin_of: impl Fn(usize, &Event) -> Option<usize>) -> Result<Frames> {
        let (height, width) = (self.height as usize, self.width as usize);
        let too_large = || NeuroError::TooLarge {
            argument: "binning",
            detail: format!("{bins} bins of 2×{height}×{width} pixels do not fit in memory; use fewer or wider bins"),
        };
        let len = bins.checked_mul(2 * height * width).ok_or_else(too_large)?;
        let mut data = Vec::new();
        data.try_reserve_exact(len).map_err(|_| too_large())?;
        data.resize(len, 0.0f32);
        for (i, e) in self.events.iter().enumerate() {
            let Some(bin) = bin_of(i, e) else { continue };
            let at = ((bin * 2 + e.on as usize) * height + e.y as usize) * width + e.x as usize;
            match value {
                FrameValue::Count => data[at] += 1.0,
                FrameValue::Binary => data[at] = 1.0,
            }
        }
        Ok(Frames { data, bins, height, width })
    }
}

/// Labelled event streams (a data set): samples, labels, class names.
#[derive(Debug, Clone)]
pub struct EventDataset {
    /// One stream per example.
    pub samples: Vec<EventStream>,
    /// One class per example, an index into `classes`.
    pub labels: Vec<u8>,
    /// Class names, indexed by label.
    pub classes: Vec<String>,
}

impl EventDataset {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Frames of the samples at `indices`, each cut into `bins` equal bins over the fixed window
    /// `[0, window_us)` (so every sample gives the same bin count even if its events end early;
    /// events at or after `window_us` are dropped), as `(frames [n, bins, 2, H, W], labels [n])`.
    /// The samples must share one sensor size.
    pub fn frames(&self, indices: &[usize], bins: usize, window_us: i64, value: FrameValue) -> Result<(Vec<f32>, Vec<i64>)> {
        if bins == 0 {
            return Err(NeuroError::Range { argument: "bins", value: "0".into(), expected: "at least 1 bin".into() });
        }
        if window_us <= 0 {
            return Err(NeuroError::Range { argument: "window_us", value: window_us.to_string(), expected: "a window of at least 1 µs".into() });
        }
        let count = self.samples.len().min(self.labels.len());
        if let Some(&bad) = indices.iter().find(|&&i| i >= count) {
            return Err(NeuroError::Range { argument: "indices", value: bad.to_string(), expected: format!("an example index below {count}") });
        }
        let mut frames = Vec::new();
        let mut size: Option<(u16, u16)> = None;
        for &i in indices {
            let sample = &self.samples[i];
            let this = (sample.width, sample.height);
            if let Some((width, height)) = size.filter(|&s| s != this) {
                return Err(NeuroError::Range {
                    argument: "indices",
                    value: format!("example {i} of {}×{} pixels", this.0, this.1),
                    expected: format!("examples of one sensor size ({width}×{height}, as the first)"),
                });
            }
            size = Some(this);
            frames.extend_from_slice(&sample.window_frames(0, window_us, bins, value)?.data);
        }
        Ok((frames, indices.iter().map(|&i| self.labels[i] as i64).collect()))
    }
}

/// A unique path in the temp directory, removed when the test ends.
#[cfg(test)]
pub(crate) struct TempPath(pub std::path::PathBuf);

#[cfg(test)]
impl TempPath {
    pub(crate) fn new(name: &str) -> TempPath {
        TempPath(std::env::temp_dir().join(format!("burn-neuro-events-{}-{name}", std::process::id())))
    }
}

#[cfg(test)]
impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: i64, x: u16, y: u16, on: bool) -> Event {
        Event { t, x, y, on }
    }

    /// A 3×2 sensor: five events at 10..=50 µs.
    fn stream() -> EventStream {
        let events = vec![ev(10, 0, 0, true), ev(19, 0, 0, true), ev(20, 2, 1, false), ev(35, 1, 0, true), ev(50, 2, 1, false)];
        EventStream::new(3, 2, events).unwrap()
    }

    /// The value at (bin, channel, y, x) of `[bins, 2, 2, 3]` frames.
    fn at(f: &Frames, bin: usize, ch: usize, y: usize, x: usize) -> f32 {
        f.data[((bin * 2 + ch) * f.height + y) * f.width + x]
    }

    #[test]
    fn new_names_the_first_bad_event() {
        let out = EventStream::new(3, 2, vec![ev(0, 0, 0, true), ev(1, 3, 0, true)]).unwrap_err();
        assert!(out.to_string().contains("event 1"), "{out}");
        let late = EventStream::new(3, 2, vec![ev(5, 0, 0, true), ev(6, 0, 1, true), ev(4, 0, 0, true)]).unwrap_err();
        assert!(late.to_string().contains("event 2") && late.to_string().contains("non-decreasing"), "{late}");
    }

    #[test]
    fn duration_and_slice_time_keep_timestamps() {
        let s = stream();
        assert_eq!(s.duration(), 40);
        assert_eq!(EventStream::new(3, 2, vec![]).unwrap().duration(), 0);
        let slice = s.slice_time(19, 35);
        assert_eq!(slice.events, vec![ev(19, 0, 0, true), ev(20, 2, 1, false)]);
        assert!(s.slice_time(60, 10).events.is_empty());
    }

    #[test]
    fn duration_bins_start_at_the_first_event_with_exact_edges() {
        let f = stream().frames(Binning::Duration { micros: 10 }, FrameValue::Count).unwrap();
        // [10, 20) [20, 30) [30, 40) [40, 50) [50, 60): the event at 20 opens bin 1, at 50 bin 4.
        assert_eq!((f.bins, f.height, f.width, f.data.len()), (5, 2, 3, 5 * 2 * 2 * 3));
        assert_eq!(at(&f, 0, 1, 0, 0), 2.0);
        assert_eq!(at(&f, 1, 0, 1, 2), 1.0);
        assert_eq!(at(&f, 2, 1, 0, 1), 1.0);
        assert_eq!(f.data[(3 * 12)..(4 * 12)].iter().sum::<f32>(), 0.0);
        assert_eq!(at(&f, 4, 0, 1, 2), 1.0);
        assert_eq!(f.data.iter().sum::<f32>(), 5.0);
    }

    #[test]
    fn count_and_binary_differ_only_where_events_repeat() {
        let s = stream();
        let count = s.frames(Binning::Bins { count: 1 }, FrameValue::Count).unwrap();
        let binary = s.frames(Binning::Bins { count: 1 }, FrameValue::Binary).unwrap();
        // Channel 0 = OFF, 1 = ON.
        assert_eq!(at(&count, 0, 1, 0, 0), 2.0);
        assert_eq!(at(&binary, 0, 1, 0, 0), 1.0);
        assert_eq!(at(&count, 0, 0, 1, 2), 2.0);
        assert_eq!(at(&count, 0, 1, 1, 2), 0.0);
        assert_eq!(at(&count, 0, 1, 0, 1), 1.0);
        assert_eq!(binary.data.iter().sum::<f32>(), 3.0);
        assert_eq!(count.summed(), count.data);
    }

    #[test]
    fn event_count_bins_keep_the_partial_last_bin() {
        let f = stream().frames(Binning::EventCount { events: 2 }, FrameValue::Count).unwrap();
        assert_eq!(f.bins, 3);
        assert_eq!(at(&f, 0, 1, 0, 0), 2.0);
        assert_eq!((at(&f, 1, 0, 1, 2), at(&f, 1, 1, 0, 1)), (1.0, 1.0));
        assert_eq!(at(&f, 2, 0, 1, 2), 1.0);
    }

    #[test]
    fn frames_become_a_tensor_of_their_shape() {
        let f = stream().frames(Binning::EventCount { events: 2 }, FrameValue::Count).unwrap();
        let tensor = f.to_tensor(&Device::flex());
        assert_eq!(tensor.dims(), [3, 2, 2, 3]);
        assert_eq!(tensor.into_data().iter::<f32>().collect::<Vec<_>>(), f.data);
    }

    #[test]
    fn equal_bins_split_the_span_and_close_the_last() {
        // Span 40 µs in 4 bins of 10: [10,20) [20,30) [30,40) [40,50].
        let f = stream().frames(Binning::Bins { count: 4 }, FrameValue::Count).unwrap();
        let per_bin: Vec<f32> = f.data.chunks(12).map(|b| b.iter().sum()).collect();
        assert_eq!(per_bin, vec![2.0, 1.0, 1.0, 1.0]);
        let summed = f.summed();
        assert_eq!(summed.len(), 12);
        assert_eq!(summed.iter().sum::<f32>(), 5.0);
        let empty = EventStream::new(3, 2, vec![]).unwrap().frames(Binning::Bins { count: 3 }, FrameValue::Count).unwrap();
        assert_eq!((empty.bins, empty.data.iter().sum::<f32>()), (3, 0.0));
    }

    #[test]
    fn bad_binning_is_refused() {
        let s = stream();
        let refused = [Binning::Duration { micros: 0 }, Binning::Duration { micros: -5 }, Binning::EventCount { events: 0 }];
        for binning in refused.into_iter().chain([Binning::Bins { count: 0 }]) {
            let e = s.frames(binning, FrameValue::Count).unwrap_err();
            assert!(matches!(e, NeuroError::Range { argument: "binning", .. }), "{e}");
        }
        let empty = EventStream::new(3, 2, vec![]).unwrap();
        for binning in [Binning::Duration { micros: 10 }, Binning::EventCount { events: 2 }] {
            let e = empty.frames(binning, FrameValue::Count).unwrap_err();
            assert!(matches!(e, NeuroError::Range { argument: "stream", .. }), "{e}");
        }
        let mut broken = stream();
        broken.events[1].x = 9;
        assert!(broken.frames(Binning::Bins { count: 1 }, FrameValue::Count).is_err());
    }

    #[test]
    fn dataset_frames_use_a_fixed_window() {
        let set = EventDataset { samples: vec![stream(), stream().slice_time(0, 20)], labels: vec![1, 0], classes: vec!["a".into(), "b".into()] };
        let (frames, labels) = set.frames(&[1, 0], 2, 40, FrameValue::Count).unwrap();
        assert_eq!(labels, vec![0, 1]);
        assert_eq!(frames.len(), 2 * 2 * 12);
        // Window [0, 40) in bins of 20 µs: the slice (events at 10, 19) fills bin 0 only; the
        // whole stream has 2 events in bin 0, 2 in bin 1 and drops the one at 50.
        let sums: Vec<f32> = frames.chunks(12).map(|b| b.iter().sum()).collect();
        assert_eq!(sums, vec![2.0, 0.0, 2.0, 2.0]);
        let e = set.frames(&[2], 2, 40, FrameValue::Count).unwrap_err();
        assert!(matches!(e, NeuroError::Range { argument: "indices", .. }), "{e}");
        assert!(set.frames(&[0], 0, 40, FrameValue::Count).is_err());
        assert!(set.frames(&[0], 2, 0, FrameValue::Count).is_err());
    }
}
