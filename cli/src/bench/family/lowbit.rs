//! Low-bit SNN training steps: the QSNN / THA papers' conv SNN (forward, `mse_count_loss` and
//! backward) with float, 4-bit and binarized weights, side by side. The quantizers are tensor ops
//! on the weights (36k of them here), so a quantized step should cost what a float one
//! does.

use burn::tensor::{DType, Int, Tensor, TensorData};
use burn_neuro::quant::WeightQuant;
use burn_neuro::snn::loss::{OutputCode, mse_count_loss};

use super::super::measure::sample;
use super::super::record::{Comparison, Work};
use super::{Case, Context, pattern, result};
use crate::train::lowbit::{LowBitCsnn, Recipe};
use crate::train::model::SpikingClassifier;

/// Float, 4-bit and binarized training steps in every dtype of the device.
pub fn run(ctx: &mut Context) {
    let (batch, steps) = (ctx.config.lowbit_batch, ctx.config.lowbit_steps);
    let images = Tensor::<2>::from_data(TensorData::new(pattern(batch * 784, 1.0, 0.0), [batch, 784]), (&ctx.autodiff, DType::F32));
    let labels = Tensor::<1, Int>::from_data(TensorData::new((0..batch as i64).map(|i| i % 10).collect::<Vec<_>>(), [batch]), &ctx.autodiff);
    // Multiply-adds of the two convolutions and the FC layer per step (conv1 runs once).
    let macs = (24 * 24 * 16 * 25) as f64 + steps as f64 * ((8 * 8 * 64 * 16 * 25) as f64 + 1024.0 * 10.0);
    for dtype in ctx.dtypes.clone() {
        let mut medians = Vec::new();
        for (variant, quant) in [("float", WeightQuant::Float), ("int4", WeightQuant::Int { bits: 4 }), ("binary", WeightQuant::Binary)] {
            let mut recipe = Recipe::named("qsnn-mnist-q4").expect("a built-in recipe");
            recipe.weights = quant;
            let model = LowBitCsnn::new(&recipe, 10, &ctx.autodiff).expect("a valid built-in model");
            let step = || {
                let out = model.forward(images.clone(), steps, dtype);
                let loss = mse_count_loss(out.spikes.cast(DType::F32), labels.clone(), 0.8, 0.2, OutputCode::default()).expect("valid shapes");
                loss.backward()
            };
            let samples = sample(&ctx.autodiff, ctx.warmup, ctx.samples, step);
            let case = Case {
                family: "lowbit",
                variant,
                pass: "forward+backward",
                shape: vec![steps, batch, 28, 28],
                dtype,
                params: vec![("steps", steps as f64)],
                work: Work { flops: 3.0 * 2.0 * batch as f64 * macs, ..Work::default() },
            };
            let measured = result(case, samples, ctx.peaks);
            medians.push(measured.stats.median);
            ctx.results.push(measured);
            (ctx.progress)(&format!("lowbit {variant} {dtype:?}"));
        }
        for (index, name) in [(1, "4-bit"), (2, "binarized")] {
            ctx.comparisons.push(Comparison {
                name: format!("lowbit {name} vs float weights, training step, batch {batch}, T={steps}, {dtype:?}"),
                speedup: medians[0] / medians[index],
            });
        }
    }
}
