//! CPU reference of the rate encoder (`shaders/spikegen_rate.wgsl`).

use crate::kernels::spikegen::RateParams;
use crate::rng::{philox, uniform_from};

use crate::rng::RATE_STREAM;

/// `probability [N]` → spikes `[T, N]` (0 or 1).
pub fn rate(probability: &[f32], p: &RateParams) -> Vec<f32> {
    let n = p.neurons as usize;
    let key = [p.seed_lo, p.seed_hi];
    let mut spikes = vec![0.0; p.steps as usize * n];
    for (i, &chance) in probability.iter().enumerate() {
        for t in 0..p.steps {
            let fire = t >= p.first_spike_time && uniform_from(philox([i as u32, t, RATE_STREAM, 0], key)[0]) < chance;
            spikes[t as usize * n + i] = if fire { 1.0 } else { 0.0 };
        }
    }
    spikes
}
