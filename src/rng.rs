//! Counter-based randomness (Philox4x32-10) shared with the WGSL kernels (`shaders/philox.wgsl`).
//!
//! Every random value is a pure function of (seed, counter), so a kernel and the CPU reference
//! produce the same noise, and the same seed gives the same result on every run and device.

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

/// The Philox4x32-10 block for `counter` under `key`.
pub fn philox(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (mut c, mut k) = (counter, key);
    for _ in 0..10 {
        let p0 = (M0 as u64) * (c[0] as u64);
        let p1 = (M1 as u64) * (c[2] as u64);
        c = [
            ((p1 >> 32) as u32) ^ c[1] ^ k[0],
            p1 as u32,
            ((p0 >> 32) as u32) ^ c[3] ^ k[1],
            p0 as u32,
        ];
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

/// The key for a 64-bit seed.
pub fn key(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}
