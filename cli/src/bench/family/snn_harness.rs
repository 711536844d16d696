//! The Open Neuromorphic SNN harness: Linear(n → n) + Leaky over `[T, 16, n]`, forward and
//! forward+backward, with our fused neuron, its compact saved state, and the same neuron as
//! tensor ops (an eager snnTorch-style loop); also the memory each holds for its backward.

use burn::tensor::{DType, Device, Tensor, TensorData};
use burn_neuro::ops::lif_composite::lif_composite;
use burn_neuro::{LifSpec, Neuron, SavedState, lif};

use super::super::measure::sample;
use super::super::record::{Comparison, Work};
use super::{Case, Context, pattern, result};

/// Every configured layer width.
pub fn run(ctx: &mut Context) {
    // Open Neuromorphic SNN harness: Linear(n → n) + Leaky over [T, 16, n], forward and
    // forward+backward, with our fused neuron and with the same neuron as tensor ops (an eager
    // snnTorch-style loop).
    for &n in &ctx.config.harness_sizes {
        let steps = ctx.config.harness_steps;
        let batch = 16;
        let data = TensorData::new(
            pattern(steps * batch * n, 1.0, 0.0).into_iter().map(|v| if v < 0.2 { 1.0f32 } else { 0.0 }).collect::<Vec<_>>(),
            [steps, batch, n],
        );
        let x = Tensor::<3>::from_data(data, (&ctx.autodiff, DType::F32));
        let weight = Tensor::<2>::from_data(TensorData::new(pattern(n * n, 0.1, -0.05), [n, n]), (&ctx.autodiff, DType::F32)).require_grad();
        let neuron = Neuron::leaky(0.9);
        let stacked_bytes = (2 * steps * batch * n * 4) as u64;
        if burn_neuro::device::max_binding_bytes(&ctx.plain).is_some_and(|limit| stacked_bytes > limit) {
            (ctx.progress)(&format!("harness n={n}: skipped (over this adapter's buffer limits)"));
            continue;
        }
        let beta = Tensor::<1>::full([batch * n], 0.9, &ctx.autodiff);
        let theta = Tensor::<1>::full([batch * n], 1.0, &ctx.autodiff);
        let zeros = Tensor::<2>::zeros([1, batch * n], &ctx.autodiff);
        let current = || x.clone().reshape([steps * batch, n]).matmul(weight.clone()).reshape([steps, batch * n]);
        let fused = || lif(current(), None, &neuron).expect("valid LIF call").spikes;
        // Memory-light BPTT: bit-packed spikes and f16 membranes saved for the backward.
        let compact_neuron = neuron.clone().with_spec(LifSpec { saved_state: SavedState::Compact, ..neuron.spec });
        let compact = || lif(current(), None, &compact_neuron).expect("valid LIF call").spikes;
        let eager = || lif_composite(current(), zeros.clone(), beta.clone(), theta.clone(), LifSpec::snntorch_default()).0;
        let flops = 2.0 * (steps * batch * n * n) as f64;
        let case = |variant, pass| Case {
            family: "snn_harness",
            variant,
            pass,
            shape: vec![steps, batch, n],
            dtype: DType::F32,
            params: vec![("steps", steps as f64)],
            work: Work { flops, ..Work::default() },
        };
        let timed = [
            ("fused", "forward", sample(&ctx.autodiff, ctx.warmup, ctx.samples, || fused().detach())),
            ("tensor_ops", "forward", sample(&ctx.autodiff, ctx.warmup, ctx.samples, || eager().detach())),
            ("fused", "forward+backward", sample(&ctx.autodiff, ctx.warmup, ctx.samples, || fused().sum().backward())),
            ("tensor_ops", "forward+backward", sample(&ctx.autodiff, ctx.warmup, ctx.samples, || eager().sum().backward())),
            ("fused_compact", "forward+backward", sample(&ctx.autodiff, ctx.warmup, ctx.samples, || compact().sum().backward())),
        ];
        let held = [
            ("fused", held_for_backward(&ctx.autodiff, fused)),
            ("tensor_ops", held_for_backward(&ctx.autodiff, eager)),
            ("fused_compact", held_for_backward(&ctx.autodiff, compact)),
        ];
        let mut medians = Vec::new();
        for (variant, pass, samples) in timed {
            let mut measured = result(case(variant, pass), samples, ctx.peaks);
            if pass == "forward+backward" {
                measured.held_for_backward_bytes = held.iter().find(|(v, _)| *v == variant).and_then(|(_, bytes)| *bytes);
            }
            medians.push(measured.stats.median);
            ctx.results.push(measured);
            (ctx.progress)(&format!("harness n={n} {variant} {pass}"));
        }
        ctx.comparisons
            .push(Comparison { name: format!("snn harness fused vs tensor-op neuron, forward, n={n}, T={steps}"), speedup: medians[1] / medians[0] });
        ctx.comparisons.push(Comparison {
            name: format!("snn harness fused vs tensor-op neuron, forward+backward, n={n}, T={steps}"),
            speedup: medians[3] / medians[2],
        });
        ctx.comparisons.push(Comparison {
            name: format!("snn harness compact vs full saved state, forward+backward, n={n}, T={steps}"),
            speedup: medians[2] / medians[4],
        });
    }
}

/// Device bytes that `forward`'s output keeps alive (its autodiff graph's saved tensors and
/// itself) between the forward and the backward pass: BPTT's memory cost.
fn held_for_backward<T>(device: &Device, forward: impl Fn() -> T) -> Option<u64> {
    let before = burn_neuro::device::bytes_in_use(device)?;
    let output = forward();
    let after = burn_neuro::device::bytes_in_use(device)?;
    drop(output);
    Some(after.saturating_sub(before))
}
