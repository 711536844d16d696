//! `cargo bench --bench cpu_training`: the two measurements the CPU-speed goal compares with
//! snnTorch on the same machine, on the CPU path (Burn's Flex backend running our neuron
//! references) and on the default wgpu device:
//! - snnTorch tutorial 5's training step: 784-1000-10 Leaky MLP (β = 0.95), T = 25, batch 128,
//!   Σ_t cross-entropy of the output membrane, one Adam update (forward, backward, update);
//! - Linear(1024 → 1024) + Leaky (β = 0.9), batch 16, T = 100, forward + backward of Σ spikes
//!   (snnTorch's side: `snntorch_layer.py 16 100 1024`).
//!
//! Prints the median of `BENCH_SAMPLES` (default 7) timed runs after two warm-up runs, each
//! ending in a device read so queued GPU work is counted.

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{DType, Device, Distribution, Int, Tensor};
use burn_neuro::{Neuron, lif};
use burn_neuro_cli::train::model::{SnnMlp, SpikingClassifier};

/// As in the `burn-neuro` binary: the CPU path reallocates tens of MB per step.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Median seconds of `run` over the samples, after two warm-up runs.
fn median_seconds(mut run: impl FnMut()) -> f64 {
    let samples = std::env::var("BENCH_SAMPLES").ok().and_then(|s| s.parse().ok()).unwrap_or(7usize);
    run();
    run();
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// One tutorial-5 training step per call, on `device` (an autodiff device).
fn tutorial5_step(device: &Device) -> f64 {
    let (batch, steps, classes) = (128, 25, 10);
    let mut model = SnnMlp::new(784, 1000, classes, device);
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let images = Tensor::<2>::random([batch, 784], Distribution::Default, device);
    let labels = Tensor::<1, Int>::from_data((0..batch as i64).map(|i| i % classes as i64).collect::<Vec<_>>().as_slice(), device);
    median_seconds(|| {
        let out = model.forward(images.clone(), steps, DType::F32);
        let logits = out.membrane.reshape([steps * batch, classes]);
        let targets = labels.clone().unsqueeze_dim::<2>(0).repeat_dim(0, steps).reshape([steps * batch]);
        let loss = loss_fn.forward(logits, targets) * steps as f32;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(5e-4, model.clone(), grads);
        // Wait for the update: read one parameter value back.
        let _ = model.fc1.weight.val().slice([0..1, 0..1]).into_data();
    })
}

/// Linear(1024 → 1024) + Leaky over [100, 16, 1024], forward + backward, on `device`.
fn linear_leaky(device: &Device) -> f64 {
    let (steps, batch, n) = (100, 16, 1024);
    let x = Tensor::<3>::random([steps, batch, n], Distribution::Bernoulli(0.1), device);
    let weight = Tensor::<2>::random([n, n], Distribution::Uniform(-0.03, 0.03), device).require_grad();
    let neuron = Neuron::leaky(0.9);
    median_seconds(|| {
        let current = x.clone().reshape([steps * batch, n]).matmul(weight.clone()).reshape([steps, batch * n]);
        let spikes = lif(current, None, &neuron).expect("a valid layer").spikes;
        let grads = spikes.sum().backward();
        let _ = weight.grad(&grads).expect("dW").slice([0..1, 0..1]).into_data();
    })
}

fn main() {
    burn_neuro_cli::allocator::keep_freed_pages();
    for (name, device) in [("cpu (Flex)", Device::flex().autodiff()), ("wgpu default adapter", Device::default().autodiff())] {
        println!("{name}: tutorial-5 training step {:.1} ms", tutorial5_step(&device) * 1e3);
        println!("{name}: Linear(1024) + Leaky, B = 16, T = 100, forward + backward {:.1} ms", linear_leaky(&device) * 1e3);
    }
}
