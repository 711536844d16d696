//! The MIF family (MEMprop's memristive neuron): whole autodiff steps (forward, a sum loss,
//! backward) through our fused kernel pair and through the same update as Burn tensor ops, f32.

use burn::tensor::{DType, Tensor, TensorData};
use burn_neuro::ops::mif::{MifParams, mif, mif_composite, mif_rest_state};

use super::super::measure::sample;
use super::super::record::{Comparison, Work};
use super::{Case, Context, pattern, result};

/// The longest configured LIF sequence, over a quarter of the LIF neurons (five states each).
pub fn run(ctx: &mut Context) {
    let steps = ctx.config.lif_steps.iter().copied().max().unwrap_or(32);
    let neurons = (ctx.config.lif_neurons / 4).max(1);
    let params = MifParams::default();
    let data = TensorData::new(pattern(steps * neurons, 0.2, -0.05), [steps, neurons]);
    let x = Tensor::<2>::from_data(data, (&ctx.autodiff, DType::F32)).require_grad();
    let fused = sample(&ctx.autodiff, ctx.warmup, ctx.samples, || mif(x.clone(), None, &params).expect("valid MIF call").membrane.sum().backward());
    let initial = mif_rest_state(&params, neurons, 0.0, &ctx.autodiff);
    let composite = sample(&ctx.autodiff, ctx.warmup, ctx.samples, || mif_composite(x.clone(), initial.clone(), &params).sum().backward());
    // The kernel pair moves the input and the trajectory forward, then the trajectory, its
    // gradient and dL/dinput backward: about 17 f32 values per neuron and step.
    let work = Work { bytes: 17.0 * 4.0 * (steps * neurons) as f64, ..Work::default() };
    let case = |variant| Case {
        family: "mif",
        variant,
        pass: "forward+backward",
        shape: vec![steps, neurons],
        dtype: DType::F32,
        params: vec![("steps", steps as f64)],
        work,
    };
    let fused = result(case("fused"), fused, ctx.peaks);
    let composite = result(case("tensor_ops"), composite, ctx.peaks);
    ctx.comparisons.push(Comparison { name: format!("mif fused vs tensor ops, T={steps}"), speedup: composite.stats.median / fused.stats.median });
    ctx.results.push(fused);
    ctx.results.push(composite);
    (ctx.progress)(&format!("mif T={steps}"));
}
