//! CPU reference of event-driven spike propagation.
//!
//! Both directions are one gather-accumulate, `out[a, c] = Σ_b S(a, b)·M[b, c]` over the
//! b where `S(a, b) != 0`, summed in ascending b in f32 — the kernel's order.

use super::Storage;

fn gather_accumulate(
    storage: Storage,
    groups: usize,
    reduce: usize,
    columns: usize,
    spike: impl Fn(usize, usize) -> f32,
    matrix: &[f32],
) -> Vec<f32> {
    let mut out = vec![0.0; groups * columns];
    for a in 0..groups {
        let active: Vec<(usize, f32)> = (0..reduce).map(|b| (b, spike(a, b))).filter(|(_, s)| *s != 0.0).collect();
        for c in 0..columns {
            let mut acc = 0.0f32;
            for &(b, s) in &active {
                acc += s * matrix[b * columns + c];
            }
            out[a * columns + c] = storage.round(acc);
        }
    }
    out
}

/// `spikes [rows, inputs] · weight [inputs, outputs]`.
pub fn spike_propagate(storage: Storage, spikes: &[f32], rows: usize, inputs: usize, weight: &[f32], outputs: usize) -> Vec<f32> {
    gather_accumulate(storage, rows, inputs, outputs, |r, i| spikes[r * inputs + i], weight)
}

/// `spikesᵀ [inputs, rows] · grad_output [rows, outputs]`.
pub fn spike_weight_grad(storage: Storage, spikes: &[f32], rows: usize, inputs: usize, grad_output: &[f32], outputs: usize) -> Vec<f32> {
    gather_accumulate(storage, inputs, rows, outputs, |i, r| spikes[r * inputs + i], grad_output)
}

/// Bit-packs `spikes [rows, columns]`: bit `c % 32` of word `(r, c / 32)` is set where the spike
/// is non-zero (the layout of `shaders/spike_pack.wgsl`).
pub fn pack_rows(spikes: &[f32], rows: usize, columns: usize) -> Vec<u32> {
    let words = columns.div_ceil(32);
    let mut packed = vec![0u32; rows * words];
    for r in 0..rows {
        for c in 0..columns {
            if spikes[r * columns + c] != 0.0 {
                packed[r * words + c / 32] |= 1 << (c % 32);
            }
        }
    }
    packed
}

/// Inverse of [`pack_rows`]: 0/1 spikes `[rows, columns]`.
pub fn unpack_rows(packed: &[u32], rows: usize, columns: usize) -> Vec<f32> {
    let words = columns.div_ceil(32);
    (0..rows * columns).map(|i| ((packed[(i / columns) * words + (i % columns) / 32] >> ((i % columns) % 32)) & 1) as f32).collect()
}

/// `(active, invalid)`: the non-zero spikes (NaN included) and those that are neither 0 nor 1,
/// as `shaders/spike_pack.wgsl` counts them.
pub fn spike_counts(spikes: &[f32]) -> (u32, u32) {
    let active = spikes.iter().filter(|s| **s != 0.0).count() as u32;
    let invalid = spikes.iter().filter(|s| !(**s == 0.0 || **s == 1.0)).count() as u32;
    (active, invalid)
}
