//! Fused LIF forward+backward vs the same LIF as Burn tensor ops, and achieved bandwidth vs a
//! plain device copy of the same bytes.
//!
//! `cargo bench --bench lif` (env: `LIF_BENCH_NEURONS`, default 262,144; `LIF_BENCH_SAMPLES`,
//! default 15). Every sample ends with a device sync, so times are wall times of finished work.
//! On a software adapter (lavapipe) only the ratios mean anything.

mod common;

use std::time::Duration;

use burn::backend::Dispatch;
use burn::tensor::{DType, Device, Tensor, TensorData};
use burn_neuro::backend::NeuronOps;
use burn_neuro::ops::lif_composite::lif_composite;
use burn_neuro::{LifNeuron, LifSpec, lif};
use common::{env_usize, measure, ms};

fn input(steps: usize, neurons: usize, dtype: DType, device: &Device) -> Tensor<2> {
    let values: Vec<f32> = (0..steps * neurons).map(|i| ((i * 7919) % 1000) as f32 / 800.0 - 0.2).collect();
    Tensor::from_data(TensorData::new(values, [steps, neurons]).convert_dtype(dtype), (device, dtype))
}

/// The two kernels alone (no autodiff bookkeeping): forward, then backward from a given
/// gradient, on a plain device. Returns the backward's outputs so the work is kept.
fn kernels_only(x: &Tensor<2>, grad: &Tensor<3>, initial: &Tensor<1>, coeffs: &Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let spec = LifSpec::snntorch_default();
    let forward = Dispatch::lif_forward(x.clone().into_dispatch(), initial.clone().into_dispatch(), coeffs.clone().into_dispatch(), spec);
    let (grad_input, grad_coeffs) = Dispatch::lif_backward(
        x.clone().into_dispatch(),
        initial.clone().into_dispatch(),
        coeffs.clone().into_dispatch(),
        forward,
        grad.clone().into_dispatch(),
        spec,
        false,
    );
    (Tensor::from_dispatch(grad_input), Tensor::from_dispatch(grad_coeffs))
}

fn main() {
    let neurons = env_usize("LIF_BENCH_NEURONS", 262_144);
    let samples = env_usize("LIF_BENCH_SAMPLES", 15);
    let plain = Device::wgpu(Default::default());
    let device = plain.clone().autodiff();
    let f16 = device.supports_dtype(DType::F16);
    println!("LIF forward+backward, N = {neurons} neurons, median of {samples} samples (wall time, synced)\n");
    println!("- kernels: our forward and backward kernels alone (8·T·N elements moved)");
    println!("- copy: a device elementwise copy moving the same bytes");
    println!("- fused op / tensor ops: the whole autodiff step (forward, sum loss, backward) with our op vs");
    println!("  the same neuron written as Burn tensor ops\n");
    println!("| T | dtype | kernels | GB/s | copy GB/s | % of copy | fused op | tensor ops | speedup |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut kernels_f32 = std::collections::HashMap::new();
    for dtype in [DType::F32, DType::F16] {
        if dtype == DType::F16 && !f16 {
            println!("| – | F16 | skipped: adapter lacks SHADER_F16 | | | | | | |");
            continue;
        }
        for steps in [8, 32] {
            // Kernels alone, and a copy of the same traffic (read + write 4·T·N elements).
            let x_plain = input(steps, neurons, dtype, &plain);
            let grad = Tensor::<3>::ones([2, steps, neurons], (&plain, dtype));
            let initial = Tensor::<1>::zeros([neurons], (&plain, dtype));
            let coeffs = Tensor::<2>::from_data(TensorData::new(vec![0.9f32, 1.0], [2, 1]), (&plain, DType::F32));
            let kernels = measure(&plain, samples, || kernels_only(&x_plain, &grad, &initial, &coeffs));
            let source = input(4 * steps, neurons, dtype, &plain);
            let copy = measure(&plain, samples, || source.clone().mul_scalar(1.5));

            // The whole training step through autodiff.
            let x = input(steps, neurons, dtype, &device).require_grad();
            let neuron = LifNeuron::new(0.9).with_spec(LifSpec::snntorch_default());
            let fused = measure(&device, samples, || {
                let out = lif(x.clone(), None, &neuron).expect("valid");
                (out.spikes.sum() + out.membrane.sum()).backward()
            });
            let beta = Tensor::<1>::full([neurons], 0.9, (&device, dtype));
            let theta = Tensor::<1>::full([neurons], 1.0, (&device, dtype));
            let start = Tensor::<2>::zeros([1, neurons], (&device, dtype));
            let unfused = measure(&device, samples, || {
                let (s, u) = lif_composite(x.clone(), start.clone(), beta.clone(), theta.clone(), LifSpec::snntorch_default());
                (s.sum() + u.sum()).backward()
            });

            let bytes = 8.0 * (steps * neurons) as f64 * dtype.size() as f64;
            let gbs = |d: Duration| bytes / d.as_secs_f64() / 1e9;
            println!(
                "| {steps} | {dtype:?} | {} | {:.1} | {:.1} | {:.0}% | {} | {} | {:.1}× |",
                ms(kernels),
                gbs(kernels),
                gbs(copy),
                100.0 * copy.as_secs_f64() / kernels.as_secs_f64(),
                ms(fused),
                ms(unfused),
                unfused.as_secs_f64() / fused.as_secs_f64(),
            );
            if dtype == DType::F32 {
                kernels_f32.insert(steps, kernels);
            } else if let Some(f32_time) = kernels_f32.get(&steps) {
                println!("|   | f16 vs f32 | {:.2}× faster | | | | | | |", f32_time.as_secs_f64() / kernels.as_secs_f64());
            }
        }
    }
}
