//! Sparse vs dense spike propagation across a density sweep, forward and forward+backward,
//! and the break-even density below which the sparse path wins on this adapter.
//!
//! `cargo bench --bench spike_propagate` (env: `PROPAGATE_BENCH_N` for N_in = N_out, default
//! 4096; `PROPAGATE_BENCH_ROWS`, default 400 = 16 × 25 steps; `PROPAGATE_BENCH_SAMPLES`,
//! default 15). On a software adapter (lavapipe) only the ratios mean anything.

mod common;

use burn::tensor::{DType, Device, Tensor, TensorData};
use burn_neuro::ops::spike_propagate::{PropagateOptions, Propagation, spike_propagate};
use common::{env_usize, measure, ms};

fn spikes(rows: usize, inputs: usize, density: f64, device: &Device) -> Tensor<2> {
    // A fixed hash per entry: the same pattern for the sparse and the dense run.
    let values: Vec<f32> = (0..rows * inputs)
        .map(|i| {
            let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            if (h as f64 / (1u64 << 24) as f64) < density { 1.0 } else { 0.0 }
        })
        .collect();
    Tensor::from_data(TensorData::new(values, [rows, inputs]), (device, DType::F32))
}

fn main() {
    let n = env_usize("PROPAGATE_BENCH_N", 4096);
    let rows = env_usize("PROPAGATE_BENCH_ROWS", 400);
    let samples = env_usize("PROPAGATE_BENCH_SAMPLES", 15);
    let plain = Device::wgpu(Default::default());
    let device = plain.clone().autodiff();
    let sparse = PropagateOptions { mode: Propagation::Sparse, binary: false };
    let dense = PropagateOptions { mode: Propagation::Dense, binary: false };
    let weight = Tensor::<2>::from_data(
        TensorData::new((0..n * n).map(|i| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0).collect::<Vec<_>>(), [n, n]),
        &plain,
    );
    let weight_ad = weight.clone().autodiff().require_grad();

    println!("Spike propagation, rows = {rows}, N_in = N_out = {n}, f32, median of {samples} samples (wall time, synced)\n");
    println!("| density | sparse fwd | dense fwd | fwd speedup | sparse fwd+bwd | dense fwd+bwd | fwd+bwd speedup |");
    println!("|---|---|---|---|---|---|---|");
    let mut break_even: Option<f64> = None;
    let mut previous: Option<(f64, f64)> = None;
    for density in [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5] {
        let s = spikes(rows, n, density, &plain);
        let fwd_sparse = measure(&plain, samples, || spike_propagate(s.clone(), weight.clone(), None, sparse).expect("valid"));
        let fwd_dense = measure(&plain, samples, || spike_propagate(s.clone(), weight.clone(), None, dense).expect("valid"));
        let s_ad = s.clone().autodiff().require_grad();
        let step = |options| {
            let y = spike_propagate(s_ad.clone(), weight_ad.clone(), None, options).expect("valid");
            y.sum().backward()
        };
        let both_sparse = measure(&device, samples, || step(sparse));
        let both_dense = measure(&device, samples, || step(dense));
        let speedup = fwd_dense.as_secs_f64() / fwd_sparse.as_secs_f64();
        println!(
            "| {:.1}% | {} | {} | {:.2}× | {} | {} | {:.2}× |",
            density * 100.0,
            ms(fwd_sparse),
            ms(fwd_dense),
            speedup,
            ms(both_sparse),
            ms(both_dense),
            both_dense.as_secs_f64() / both_sparse.as_secs_f64(),
        );
        // Forward break-even: interpolate (in log density) where the speedup crosses 1.
        if break_even.is_none() {
            if let Some((d0, s0)) = previous {
                if s0 >= 1.0 && speedup < 1.0 {
                    let t = (s0.ln()) / (s0.ln() - speedup.ln());
                    break_even = Some((d0.ln() + t * (density.ln() - d0.ln())).exp());
                }
            }
        }
        previous = Some((density, speedup));
    }
    match break_even {
        Some(d) => println!("\nForward break-even density on this adapter: {:.1}% (use Propagation::Auto {{ break_even: {d:.3} }})", d * 100.0),
        None => println!("\nNo forward break-even in the sweep: one path won at every density."),
    }
}
