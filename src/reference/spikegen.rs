//! CPU reference of the rate encoder (`shaders/spikegen_rate.wgsl`).

use crate::kernels::spikegen::RateParams;
use crate::rng::{philox, uniform_from};

use crate::rng::RATE_STREAM;

/// The Philox key from three uniforms in [0, 1): 22 bits of each, as the kernel's `drawn_key`.
pub fn drawn_key(a: f32, b: f32, c: f32) -> [u32; 2] {
    let (x, y, z) = ((a * 4_194_304.0) as u32, (b * 4_194_304.0) as u32, (c * 4_194_304.0) as u32);
    [x ^ (y << 22), (y >> 10) ^ (z << 12)]
}

/// `probability [N]` (`[N + 3]` with the key's uniforms when `seed_from_draws`) → spikes
/// `[T, N]` (0 or 1).
pub fn rate(probability: &[f32], p: &RateParams) -> Vec<f32> {
    let n = p.neurons as usize;
    let key = if p.seed_from_draws != 0 { drawn_key(probability[n], probability[n + 1], probability[n + 2]) } else { [p.seed_lo, p.seed_hi] };
    let mut spikes = vec![0.0; p.steps as usize * n];
    for (i, &chance) in probability[..n].iter().enumerate() {
        for t in 0..p.steps {
            let fire = t >= p.first_spike_time && uniform_from(philox([i as u32, t, RATE_STREAM, 0], key)[0]) < chance;
            spikes[t as usize * n + i] = if fire { 1.0 } else { 0.0 };
        }
    }
    spikes
}
