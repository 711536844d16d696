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
    for &density in &ctx.config.densities {
        let s = spikes(rows, size, density, &ctx.plain);
        let mut medians = [0.0; 2];
        for (slot, (variant, mode)) in [("sparse", Propagation::Sparse), ("dense", Propagation::Dense)].into_iter().enumerate() {
            let options = PropagateOptions { mode, binary: false };
            let timed =
                sample(&ctx.plain, ctx.warmup, ctx.samples, || spike_propagate(s.clone(), weight.clone(), None, options).expect("valid propagation"));
            // Sparse: spikes in, one weight row entry per event, output out. Dense: all of W.
            let events = density * (rows * size * size) as f64;
            let work = match mode {
                Propagation::Dense => {
                    Work { bytes: 4.0 * (2.0 * (rows * size) as f64 + (size * size) as f64), flops: 2.0 * (rows * size * size) as f64, events }
                }
                _ => Work { bytes: 4.0 * (2.0 * (rows * size) as f64 + events), flops: 2.0 * events, events },
            };
            let case = Case {
                family: "spike_propagate",
                variant,
                pass: "forward",
                shape: vec![rows, size, size],
                dtype: DType::F32,
                params: vec![("density", density)],
                work,
            };
            let measured = result(case, timed, ctx.peaks);
            medians[slot] = measured.stats.median;
            ctx.results.push(measured);
            (ctx.progress)(&format!("spike_propagate {variant} density {density}"));
        }
        let speedup = medians[1] / medians[0];
        ctx.comparisons.push(Comparison { name: format!("spike_propagate sparse vs dense, density {:.1}%", density * 100.0), speedup });
        ctx.sweep.push((density, speedup));
    }
    // Checked binary mode packs the spikes (what its backward keeps) and counts them in one
    // kernel, then reads two counters: its cost over the plain sparse path at the sparsest
    // density of the sweep.
    if let Some(&density) = ctx.config.densities.first() {
        let s = spikes(rows, size, density, &ctx.plain);
        let events = density * (rows * size * size) as f64;
        let mut medians = [0.0; 2];
        for (slot, (variant, binary)) in [("sparse", false), ("sparse_binary", true)].into_iter().enumerate() {
            let options = PropagateOptions { mode: Propagation::Sparse, binary };
            let timed =
                sample(&ctx.plain, ctx.warmup, ctx.samples, || spike_propagate(s.clone(), weight.clone(), None, options).expect("valid propagation"));
            let work = Work { bytes: 4.0 * (2.0 * (rows * size) as f64 + events), flops: 2.0 * events, events };
            let case = Case {
                family: "spike_propagate_binary",
                variant,
                pass: "forward",
                shape: vec![rows, size, size],
                dtype: DType::F32,
                params: vec![("density", density)],
                work,
            };
            let measured = result(case, timed, ctx.peaks);
            medians[slot] = measured.stats.median;
            ctx.results.push(measured);
            (ctx.progress)(&format!("spike_propagate {variant} density {density}"));
        }
        ctx.comparisons.push(Comparison {
            name: format!("spike_propagate checked binary vs plain sparse, density {:.1}%", density * 100.0),
            speedup: medians[0] / medians[1],
        });
    }
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
