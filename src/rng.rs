//! Counter-based randomness (Philox4x32-10) shared with the WGSL kernels (`shaders/philox.wgsl`).
//!
//! Every random value is a pure function of (seed, counter), so a kernel and the CPU reference
//! produce the same noise, and the same seed gives the same result on every run and device.

use std::sync::atomic::{AtomicU64, Ordering};

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// Scale of [`normal_from`]: 1 / (65536 · √(8/12)), the standard deviation of a sum of eight
/// 16-bit uniforms. Rendered into the WGSL with the same bits.
pub const NORMAL_SCALE: f32 = (1.0 / (65536.0 * 0.816_496_580_927_726)) as f32;

/// The WGSL literal of [`NORMAL_SCALE`] (round-trips to the same f32).
pub fn normal_scale_literal() -> String {
    format!("{NORMAL_SCALE:e}")
}

/// Counter word z of rate coding's draws ("RATE").
pub const RATE_STREAM: u32 = 0x5241_5445;
/// Counter word z of crossbar programming (reads use the row-tile index, always smaller).
pub const PROGRAM_STREAM: u32 = u32::MAX;
/// Counter word z of the drift realisation.
pub const DRIFT_STREAM: u32 = u32::MAX - 1;

/// Counter word z of a pulsed device's device-to-device draws.
pub const DTOD_STREAM: u32 = u32::MAX - 2;
/// Counter word z of a pulse's cycle-to-cycle noise.
pub const PULSE_STREAM: u32 = u32::MAX - 3;
/// Counter word z of a write's noise.
pub const WRITE_STREAM: u32 = u32::MAX - 4;

/// The WGSL of the Philox helpers with the stream ids and the normal scale rendered from this
/// module, so kernels and references cannot disagree on them.
pub(crate) fn philox_wgsl() -> String {
    format!(
        "{}\nconst RATE_STREAM: u32 = {RATE_STREAM}u;\nconst PROGRAM_STREAM: u32 = {PROGRAM_STREAM}u;\nconst DRIFT_STREAM: u32 = {DRIFT_STREAM}u;\n",
        include_str!("../shaders/philox.wgsl").replace("{{ normal_scale }}", &normal_scale_literal())
    )
}

/// The Philox4x32-10 block for `counter` under `key`.
pub fn philox(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (mut c, mut k) = (counter, key);
    for _ in 0..10 {
        let p0 = (M0 as u64) * (c[0] as u64);
        let p1 = (M1 as u64) * (c[2] as u64);
        c = [((p1 >> 32) as u32) ^ c[1] ^ k[0], p1 as u32, ((p0 >> 32) as u32) ^ c[3] ^ k[1], p0 as u32];
        k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
    }
    c
}

/// Approximately standard normal: the centred, scaled sum of the block's eight 16-bit halves.
pub fn normal_from(words: [u32; 4]) -> f32 {
    let sum: u32 = words.iter().map(|w| (w & 0xFFFF) + (w >> 16)).sum();
    (sum as f32 - 262_144.0) * NORMAL_SCALE
}

/// Uniform in [0, 1) with 24 bits.
pub fn uniform_from(word: u32) -> f32 {
    (word >> 8) as f32 * 5.960_464_5e-8
}

/// Counts the calls of one layer or crossbar instance, so each call draws fresh noise keyed by
/// its index. Per instance: a clone starts from the original's count and then counts on its
/// own, so the noise a clone sees never depends on how often another clone was called.
#[derive(Debug, Default)]
pub struct CallCounter(AtomicU64);

impl CallCounter {
    /// This call's index (0 for the first call), counting it.
    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

impl Clone for CallCounter {
    fn clone(&self) -> Self {
        CallCounter(AtomicU64::new(self.0.load(Ordering::Relaxed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_count_on_their_own() {
        let counter = CallCounter::default();
        assert_eq!(counter.next(), 0);
        let clone = counter.clone();
        assert_eq!((counter.next(), counter.next()), (1, 2));
        assert_eq!(clone.next(), 1, "the clone continues from where it was cloned");
    }

    #[test]
    fn normal_from_is_centred_and_uniform_in_range() {
        let (mut sum, mut square) = (0.0f64, 0.0f64);
        for i in 0..4096u32 {
            let z = normal_from(philox([i, 0, 0, 0], [7, 11])) as f64;
            sum += z;
            square += z * z;
            let u = uniform_from(philox([i, 1, 0, 0], [7, 11])[0]);
            assert!((0.0..1.0).contains(&u));
        }
        let mean = sum / 4096.0;
        let variance = square / 4096.0 - mean * mean;
        assert!(mean.abs() < 0.05 && (variance - 1.0).abs() < 0.1, "mean {mean}, variance {variance}");
    }
}

/// SplitMix64: the small sequential generator of host-side draws that no kernel reproduces
/// (reservoir weights, generated data sets, benchmark series). A seed gives the same sequence
/// on every machine.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform in ±`half_width`.
    pub fn symmetric(&mut self, half_width: f64) -> f64 {
        (2.0 * self.uniform() - 1.0) * half_width
    }

    /// A fair coin.
    pub fn coin(&mut self) -> bool {
        self.uniform() < 0.5
    }
}
