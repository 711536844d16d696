//! The reservoir node family (RN-Net's memristor node): the fused forward alone (inference,
//! e.g. precomputing a reservoir's conductances), and whole autodiff steps (forward, a sum
//! loss, backward to P_c and τ) through the fused kernel pair and through the same recurrence
//! as Burn tensor ops, in f32 and f16.

use burn::tensor::{DType, Tensor, TensorData};
use burn_neuro::reservoir::{reservoir_node, reservoir_node_composite};

use super::super::measure::sample;
use super::super::record::{Comparison, Work};
use super::{Case, Context, pattern, result};

/// Share of (node, step) pairs that carry an event.
const DENSITY: f32 = 0.3;

/// The conductance an event pulls towards.
const G_MAX: f32 = 1.0;

/// The channels' (P_c, τ): a short and a long memory of the same input.
const CHANNELS: [(f32, f32); 2] = [(0.5, 5.0), (0.2, 40.0)];

/// The longest configured LIF sequence over the LIF neurons, K = 2 channels, binary events at
/// 30 % density, in every dtype of the device.
pub fn run(ctx: &mut Context) {
    let steps = ctx.config.lif_steps.iter().copied().max().unwrap_or(32);
    let neurons = ctx.config.lif_neurons;
    let channels = CHANNELS.len();
    // Thresholded stride pattern: exactly 30 % ones, spread over nodes and steps.
    let events: Vec<f32> = pattern(steps * neurons, 1.0, 0.0).into_iter().map(|v| if v < DENSITY { 1.0 } else { 0.0 }).collect();
    let p_c_values: Vec<f32> = CHANNELS.iter().map(|c| c.0).collect();
    let tau_values: Vec<f32> = CHANNELS.iter().map(|c| c.1).collect();
    let (t, k, n) = (steps as f64, channels as f64, neurons as f64);
    let binding_limit = burn_neuro::device::max_binding_bytes(&ctx.plain);
    for dtype in ctx.dtypes.clone() {
        // The op refuses bindings over the adapter's limit: G forward, its f32 gradient rows
        // [T + 3, K, N] backward.
        let largest = ((steps + 3) * channels * neurons * 4).max(steps * channels * neurons * dtype.size()) as u64;
        if binding_limit.is_some_and(|limit| largest > limit) {
            for case in ["fused forward", "fused forward+backward", "tensor_ops forward+backward"] {
                (ctx.progress)(&format!("reservoir_node {case} T={steps} {dtype:?}: skipped (over this adapter's buffer limits)"));
            }
            continue;
        }
        let elem = dtype.size() as f64;
        let data = TensorData::new(events.clone(), [steps, neurons]).convert_dtype(dtype);

        // Inference: the fused forward alone, without autodiff.
        let delta_plain = Tensor::<2>::from_data(data.clone(), (&ctx.plain, dtype));
        let p_c_plain = Tensor::<1>::from_data(TensorData::new(p_c_values.clone(), [channels]), (&ctx.plain, DType::F32));
        let tau_plain = Tensor::<1>::from_data(TensorData::new(tau_values.clone(), [channels]), (&ctx.plain, DType::F32));
        let forward = sample(&ctx.plain, ctx.warmup, ctx.samples, || {
            reservoir_node(delta_plain.clone(), p_c_plain.clone(), tau_plain.clone(), G_MAX, None).expect("valid reservoir call").conductance
        });

        // Training: P_c and τ learn; a sum loss in f32, then backward.
        let delta = Tensor::<2>::from_data(data, (&ctx.autodiff, dtype));
        let p_c = Tensor::<1>::from_data(TensorData::new(p_c_values.clone(), [channels]), (&ctx.autodiff, DType::F32)).require_grad();
        let tau = Tensor::<1>::from_data(TensorData::new(tau_values.clone(), [channels]), (&ctx.autodiff, DType::F32)).require_grad();
        let fused = sample(&ctx.autodiff, ctx.warmup, ctx.samples, || {
            let out = reservoir_node(delta.clone(), p_c.clone(), tau.clone(), G_MAX, None).expect("valid reservoir call");
            out.conductance.sum().cast(DType::F32).backward()
        });
        let initial = Tensor::<2>::zeros([channels, neurons], (&ctx.autodiff, dtype));
        let composite = sample(&ctx.autodiff, ctx.warmup, ctx.samples, || {
            reservoir_node_composite(delta.clone(), p_c.clone(), tau.clone(), G_MAX, initial.clone()).sum().cast(DType::F32).backward()
        });

        // Forward: read δ [T, N], write G [T, K, N] (the initial state is negligible).
        // Backward: read δ, G and dL/dG, write the f32 gradient rows [T + 3, K, N].
        let forward_bytes = t * n * elem + t * k * n * elem;
        let backward_bytes = t * n * elem + 2.0 * t * k * n * elem + 4.0 * (t + 3.0) * k * n;
        let case = |variant, pass, bytes| Case {
            family: "reservoir_node",
            variant,
            pass,
            shape: vec![steps, neurons],
            dtype,
            params: vec![("steps", t), ("channels", k)],
            work: Work { bytes, ..Work::default() },
        };
        ctx.results.push(result(case("fused", "forward", forward_bytes), forward, ctx.peaks));
        (ctx.progress)(&format!("reservoir_node fused forward T={steps} {dtype:?}"));
        let fused = result(case("fused", "forward+backward", forward_bytes + backward_bytes), fused, ctx.peaks);
        let composite = result(case("tensor_ops", "forward+backward", forward_bytes + backward_bytes), composite, ctx.peaks);
        ctx.comparisons.push(Comparison {
            name: format!("reservoir_node fused vs tensor ops, T={steps}, {dtype:?}"),
            speedup: composite.stats.median / fused.stats.median,
        });
        ctx.results.push(fused);
        (ctx.progress)(&format!("reservoir_node fused forward+backward T={steps} {dtype:?}"));
        ctx.results.push(composite);
        (ctx.progress)(&format!("reservoir_node tensor_ops forward+backward T={steps} {dtype:?}"));
    }
}
