//! Sampling with warm-up, device timestamps where the adapter has them, and statistics.

use std::time::{Duration, Instant};

use burn::backend::ProfileOptions;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// Where a sample's time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// GPU timestamp queries around the work.
    Device,
    /// Wall time from launch to a full device sync (no timestamps on this adapter).
    Wall,
}

/// Warm-up policy: at least `runs` runs and at least `duration`.
#[derive(Debug, Clone, Copy)]
pub struct Warmup {
    pub runs: usize,
    pub duration: Duration,
}

impl Default for Warmup {
    fn default() -> Self {
        Warmup { runs: 5, duration: Duration::from_millis(500) }
    }
}

/// Summary statistics of a set of samples, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    /// Statistics of `samples` (must be non-empty). Percentiles use the nearest rank.
    pub fn of(samples: &[f64]) -> Stats {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |q: f64| sorted[((q * (sorted.len() - 1) as f64).round() as usize).min(sorted.len() - 1)];
        Stats {
            median: rank(0.5),
            p10: rank(0.1),
            p90: rank(0.9),
            mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        }
    }
}

/// Raw samples and how they were timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Samples {
    pub timing: Timing,
    pub seconds: Vec<f64>,
}

/// Times `run` on `device`: warm-up, then `count` samples. Each sample is a profiling window
/// closed by a flush and a sync, so the work is finished; what `run` returns is kept until
/// then, so lazy execution cannot discard it as unused. Device time is used when every sample
/// got timestamps, wall time otherwise.
pub fn sample<T: Send + 'static>(device: &Device, warmup: Warmup, count: usize, mut run: impl FnMut() -> T + Send) -> Samples {
    let start = Instant::now();
    let mut runs = 0;
    while runs < warmup.runs || start.elapsed() < warmup.duration {
        let kept = run();
        device.sync().expect("device sync");
        drop(kept);
        runs += 1;
    }
    let mut wall = Vec::with_capacity(count);
    let mut timed = Vec::with_capacity(count);
    for _ in 0..count.max(1) {
        let begin = Instant::now();
        let (kept, window) = device.profile_with(ProfileOptions::default().flush(), &mut run).expect("profiling window");
        device.sync().expect("device sync");
        wall.push(begin.elapsed().as_secs_f64());
        drop(kept);
        let is_device = format!("{:?}", window.timing_method()) == "Device";
        let ticks = pollster::block_on(window.resolve());
        timed.push(ticks.filter(|_| is_device).map(|t| t.duration().as_secs_f64()));
    }
    match timed.iter().copied().collect::<Option<Vec<f64>>>() {
        Some(device_seconds) if device_seconds.iter().all(|s| *s > 0.0) => Samples { timing: Timing::Device, seconds: device_seconds },
        _ => Samples { timing: Timing::Wall, seconds: wall },
    }
}
