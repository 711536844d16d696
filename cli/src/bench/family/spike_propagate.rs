//! The spike-propagation family: sparse against dense across a density sweep (with the
//! break-even density), and the checked binary mode against the plain sparse path.

use burn::tensor::{DType, Device, Tensor, TensorData};
use burn_neuro::ops::spike_propagate::{PropagateOptions, Propagation, spike_propagate};

use super::super::measure::sample;
use super::super::record::{Comparison, Work};
use super::{Case, Context, pattern, result};

/// The density sweep; stores the sparse speedups in `ctx.sweep`.
pub fn run(ctx: &mut Context) {
    // Sparse vs dense propagation across a density sweep.
    let (rows, size) = (ctx.config.propagate_rows, ctx.config.propagate_size);
    let weight = Tensor::<2>::from_data(TensorData::new(pattern(size * size, 2.0, -1.0), [size, size]), (&ctx.plain, DType::F32));
    // Sparse: spikes in, one weight row entry per event, output out. Dense: all of W.
    let sparse_work = |events: f64| Work { bytes: 4.0 * (2.0 * (rows * size) as f64 + events), flops: 2.0 * events, events };
    for &density in &ctx.config.densities {
        let s = spikes(rows, size, density, &ctx.plain);
        let events = density * (rows * size * size) as f64;
        let dense_work = Work { bytes: 4.0 * (2.0 * (rows * size) as f64 + (size * size) as f64), flops: 2.0 * (rows * size * size) as f64, events };
        let sparse = measure(
            ctx,
            "spike_propagate",
            "sparse",
            PropagateOptions { mode: Propagation::Sparse, binary: false },
            (&s, &weight, density),
            sparse_work(events),
        );
        let dense = measure(
            ctx,
            "spike_propagate",
            "dense",
            PropagateOptions { mode: Propagation::Dense, binary: false },
            (&s, &weight, density),
            dense_work,
        );
        let speedup = dense / sparse;
        ctx.comparisons.push(Comparison { name: format!("spike_propagate sparse vs dense, density {:.1}%", density * 100.0), speedup });
        ctx.sweep.push((density, speedup));
    }
    // Checked binary mode packs the spikes (what its backward keeps) and counts them in one
    // kernel, then reads two counters: its cost over the plain sparse path at the sparsest
    // density of the sweep.
    if let Some(&density) = ctx.config.densities.first() {
        let s = spikes(rows, size, density, &ctx.plain);
        let work = sparse_work(density * (rows * size * size) as f64);
        let plain = measure(
            ctx,
            "spike_propagate_binary",
            "sparse",
            PropagateOptions { mode: Propagation::Sparse, binary: false },
            (&s, &weight, density),
            work,
        );
        let binary = measure(
            ctx,
            "spike_propagate_binary",
            "sparse_binary",
            PropagateOptions { mode: Propagation::Sparse, binary: true },
            (&s, &weight, density),
            work,
        );
        ctx.comparisons.push(Comparison {
            name: format!("spike_propagate checked binary vs plain sparse, density {:.1}%", density * 100.0),
            speedup: plain / binary,
        });
    }
}

/// Times one propagation of `(spikes, weight)` at `density`, records it, returns its median.
fn measure(
    ctx: &mut Context,
    family: &'static str,
    variant: &'static str,
    options: PropagateOptions,
    (s, weight, density): (&Tensor<2>, &Tensor<2>, f64),
    work: Work,
) -> f64 {
    let timed = sample(&ctx.plain, ctx.warmup, ctx.samples, || spike_propagate(s.clone(), weight.clone(), None, options).expect("valid propagation"));
    let [rows, size] = s.dims();
    let case = Case { family, variant, pass: "forward", shape: vec![rows, size, size], dtype: DType::F32, params: vec![("density", density)], work };
    let measured = result(case, timed, ctx.peaks);
    let median = measured.stats.median;
    ctx.results.push(measured);
    (ctx.progress)(&format!("spike_propagate {variant} density {density}"));
    median
}

/// `[rows, inputs]` 0/1 spikes, active with probability `density` (a fixed hash, no RNG).
fn spikes(rows: usize, inputs: usize, density: f64, device: &Device) -> Tensor<2> {
    let values: Vec<f32> = (0..rows * inputs)
        .map(|i| {
            let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            if (h as f64 / (1u64 << 24) as f64) < density { 1.0 } else { 0.0 }
        })
        .collect();
    Tensor::from_data(TensorData::new(values, [rows, inputs]), (device, DType::F32))
}
