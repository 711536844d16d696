//! Fused LIF forward+backward vs the same LIF as Burn tensor ops, and achieved bandwidth vs a
//! plain device copy of the same bytes.
//!
//! `cargo bench --bench lif` (env: `LIF_BENCH_NEURONS`, default 262,144; `LIF_BENCH_SAMPLES`,
//! default 15). Every sample ends with a device sync, so times are wall times of finished work.
//! On a software adapter (lavapipe) only the ratios mean anything.

use std::time::{Duration, Instant};

use burn::tensor::{DType, Device, Tensor, TensorData};
use burn_neuro::ops::lif_composite::lif_composite;
use burn_neuro::{LifNeuron, LifSpec, lif};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Median wall time of `run` after ≥5 warm-up runs and ≥0.5 s of warm-up.
fn measure(device: &Device, samples: usize, mut run: impl FnMut()) -> Duration {
    let warm = Instant::now();
    let mut runs = 0;
    while runs < 5 || warm.elapsed() < Duration::from_millis(500) {
        run();
        device.sync().expect("device sync");
        runs += 1;
    }
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            run();
            device.sync().expect("device sync");
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn input(steps: usize, neurons: usize, dtype: DType, device: &Device) -> Tensor<2> {
    let values: Vec<f32> = (0..steps * neurons).map(|i| ((i * 7919) % 1000) as f32 / 800.0 - 0.2).collect();
    Tensor::from_data(TensorData::new(values, [steps, neurons]).convert_dtype(dtype), (device, dtype))
}

fn main() {
    let neurons = env_usize("LIF_BENCH_NEURONS", 262_144);
    let samples = env_usize("LIF_BENCH_SAMPLES", 15);
    let device = Device::wgpu(Default::default()).autodiff();
    let f16 = device.supports_dtype(DType::F16);
    println!("LIF forward+backward, N = {neurons} neurons, median of {samples} samples (wall time, synced)\n");
    println!("| T | dtype | fused | tensor ops | fused speedup | fused GB/s | copy GB/s | % of copy |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut fused_f32 = std::collections::HashMap::new();
    for dtype in [DType::F32, DType::F16] {
        if dtype == DType::F16 && !f16 {
            println!("| – | F16 | skipped: adapter lacks SHADER_F16 | | | | | |");
            continue;
        }
        for steps in [8, 32] {
            let x = input(steps, neurons, dtype, &device).require_grad();
            let neuron = LifNeuron::new(0.9).with_spec(LifSpec::snntorch_default());
            let fused = measure(&device, samples, || {
                let out = lif(x.clone(), None, &neuron).expect("valid");
                let _ = (out.spikes.sum() + out.membrane.sum()).backward();
            });
            let beta = Tensor::<1>::full([neurons], 0.9, &device);
            let theta = Tensor::<1>::full([neurons], 1.0, &device);
            let initial = Tensor::<2>::zeros([1, neurons], (&device, dtype));
            let unfused = measure(&device, samples, || {
                let (s, u) = lif_composite(x.clone(), initial.clone(), beta.clone(), theta.clone(), LifSpec::snntorch_default());
                let _ = (s.sum() + u.sum()).backward();
            });
            // Bytes the fused pair must move: forward reads X and writes S, U; backward reads
            // S, U, dS, dU and writes dX (+ the sums' reads of S and U, and their gradients' fills).
            let elem = dtype.size() as f64;
            let bytes = 8.0 * (steps * neurons) as f64 * elem;
            // A device copy of the same traffic: read and write 4·T·N elements.
            let source = input(4 * steps, neurons, dtype, &device.clone().without_autodiff());
            let copy = measure(&device, samples, || {
                let _ = source.clone().add_scalar(0.0);
            });
            let gbs = |d: Duration| bytes / d.as_secs_f64() / 1e9;
            println!(
                "| {steps} | {dtype:?} | {:.2} ms | {:.2} ms | {:.1}× | {:.1} | {:.1} | {:.0}% |",
                fused.as_secs_f64() * 1e3,
                unfused.as_secs_f64() * 1e3,
                unfused.as_secs_f64() / fused.as_secs_f64(),
                gbs(fused),
                gbs(copy),
                100.0 * copy.as_secs_f64() / fused.as_secs_f64(),
            );
            if dtype == DType::F32 {
                fused_f32.insert(steps, fused);
            } else if let Some(f32_time) = fused_f32.get(&steps) {
                println!("|   | f16 vs f32 | | | {:.2}× | | | |", f32_time.as_secs_f64() / fused.as_secs_f64());
            }
        }
    }
}
