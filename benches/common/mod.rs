//! Timing shared by the benchmarks: warm-up, synced samples, median.

use std::time::{Duration, Instant};

use burn::tensor::Device;

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Median wall time of `run` after ≥5 warm-up runs and ≥0.5 s of warm-up. What `run` returns
/// is kept alive until the sync, so lazy execution cannot drop the work as unused.
pub fn measure<T>(device: &Device, samples: usize, mut run: impl FnMut() -> T) -> Duration {
    let warm = Instant::now();
    let mut runs = 0;
    while runs < 5 || warm.elapsed() < Duration::from_millis(500) {
        let kept = run();
        device.sync().expect("device sync");
        drop(kept);
        runs += 1;
    }
    let mut times: Vec<Duration> = (0..samples.max(1))
        .map(|_| {
            let start = Instant::now();
            let kept = run();
            device.sync().expect("device sync");
            let elapsed = start.elapsed();
            drop(kept);
            elapsed
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

pub fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1e3)
}
