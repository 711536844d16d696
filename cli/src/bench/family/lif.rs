//! The fused LIF family: the kernel pair alone, and whole autodiff steps with our op against
//! the same neuron as Burn tensor ops, in f32 and f16.

use burn::backend::Dispatch;
use burn::tensor::{DType, Tensor, TensorData};
use burn_neuro::backend::LifOps;
use burn_neuro::ops::lif_composite::lif_composite;
use burn_neuro::{LifSpec, Neuron, NeuronKind, lif};

use super::super::measure::sample;
use super::super::record::{Comparison, Work};
use super::{Case, Context, pattern, result};

/// Fused LIF vs tensor ops at every configured T and dtype, and f16 vs f32.
pub fn run(ctx: &mut Context) {
    // Fused LIF vs the same LIF as tensor ops; f16 vs f32.
    let neurons = ctx.config.lif_neurons;
    let mut fused_times = Vec::new();
    for &dtype in &ctx.dtypes {
        for &steps in &ctx.config.lif_steps {
            let data = TensorData::new(pattern(steps * neurons, 1.2, -0.2), [steps, neurons]).convert_dtype(dtype);
            let x_plain = Tensor::<2>::from_data(data.clone(), (&ctx.plain, dtype));
            let grad = Tensor::<3>::ones([2, steps, neurons], (&ctx.plain, dtype));
            let zeros = Tensor::<1>::zeros([neurons], (&ctx.plain, dtype));
            let coeffs = Tensor::<2>::from_data(TensorData::new(vec![0.9f32, 1.0], [2, 1]), (&ctx.plain, DType::F32));
            let kernels = sample(&ctx.plain, ctx.warmup, ctx.samples, || lif_kernels(&x_plain, &grad, &zeros, &coeffs));
            let x = Tensor::<2>::from_data(data, (&ctx.autodiff, dtype)).require_grad();
            let neuron = Neuron::leaky(0.9);
            let fused = sample(&ctx.autodiff, ctx.warmup, ctx.samples, || {
                let out = lif(x.clone(), None, &neuron).expect("valid LIF call");
                (out.spikes.sum() + out.membrane.sum()).backward()
            });
            let beta = Tensor::<1>::full([neurons], 0.9, (&ctx.autodiff, dtype));
            let theta = Tensor::<1>::full([neurons], 1.0, (&ctx.autodiff, dtype));
            let initial = Tensor::<2>::zeros([1, neurons], (&ctx.autodiff, dtype));
            let composite = sample(&ctx.autodiff, ctx.warmup, ctx.samples, || {
                let (s, u) = lif_composite(x.clone(), initial.clone(), beta.clone(), theta.clone(), LifSpec::snntorch_default());
                (s.sum() + u.sum()).backward()
            });
            // The kernel pair must move X, S, U forward and S, U, dS, dU, dX backward. "kernels"
            // is that pair alone; "fused" and "tensor_ops" are whole autodiff steps (forward, a
            // sum loss, backward) with our op and with the same neuron as Burn tensor ops.
            let work = Work { bytes: 8.0 * (steps * neurons) as f64 * dtype.size() as f64, ..Work::default() };
            let case = |variant| Case {
                family: "lif",
                variant,
                pass: "forward+backward",
                shape: vec![steps, neurons],
                dtype,
                params: vec![("steps", steps as f64)],
                work,
            };
            ctx.results.push(result(case("kernels"), kernels, ctx.peaks));
            let fused = result(case("fused"), fused, ctx.peaks);
            let composite = result(case("tensor_ops"), composite, ctx.peaks);
            ctx.comparisons.push(Comparison {
                name: format!("lif fused vs tensor ops, T={steps}, {dtype:?}"),
                speedup: composite.stats.median / fused.stats.median,
            });
            fused_times.push((dtype, steps, fused.stats.median));
            ctx.results.push(fused);
            ctx.results.push(composite);
            (ctx.progress)(&format!("lif T={steps} {dtype:?}"));
        }
    }
    for &steps in &ctx.config.lif_steps {
        let time = |d: DType| fused_times.iter().find(|(dt, s, _)| *dt == d && *s == steps).map(|t| t.2);
        if let (Some(t32), Some(t16)) = (time(DType::F32), time(DType::F16)) {
            ctx.comparisons.push(Comparison { name: format!("lif fused f16 vs f32, T={steps}"), speedup: t32 / t16 });
        }
    }
}

/// The two LIF kernels alone, without autodiff bookkeeping: forward, then backward from a
/// given gradient (no coefficient gradients), on a plain device.
fn lif_kernels(x: &Tensor<2>, grad: &Tensor<3>, initial: &Tensor<1>, coeffs: &Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let spec = LifSpec::snntorch_default();
    let kind = NeuronKind::Leaky;
    let forward = Dispatch::lif_forward(x.clone().into_dispatch(), initial.clone().into_dispatch(), coeffs.clone().into_dispatch(), spec, kind);
    let (grad_input, grad_coeffs) = Dispatch::lif_backward(
        x.clone().into_dispatch(),
        initial.clone().into_dispatch(),
        coeffs.clone().into_dispatch(),
        forward,
        grad.clone().into_dispatch(),
        spec,
        kind,
        false,
    );
    (Tensor::from_dispatch(grad_input), Tensor::from_dispatch(grad_coeffs))
}
