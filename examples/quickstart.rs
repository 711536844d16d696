//! The README's examples as one program (kept compiling by `cargo test`, which builds examples):
//! a `burn::nn::Linear` + `Leaky` layer over 25 steps, and a crossbar programmed once and read
//! twice. `cargo run --release --example quickstart`.

use burn::nn::LinearConfig;
use burn::tensor::{Device, Distribution, Tensor};
use burn_neuro::analog::{CrossbarConfig, ProgrammedCrossbar};
use burn_neuro::snn::{Leaky, LeakyConfig};

fn main() -> burn_neuro::Result<()> {
    let device = Device::wgpu(Default::default()); // or Device::flex() for the CPU path
    let fc = LinearConfig::new(784, 1000).init(&device);
    let neuron: Leaky = LeakyConfig::new(0.95).with_learn_beta(true).init(&device)?;

    let x = Tensor::<3>::random([25, 128, 784], Distribution::Bernoulli(0.1), &device); // [T, batch, inputs]
    let out = neuron.forward(fc.forward(x), None)?; // all 25 steps in one launch
    let (spikes, membrane) = (out.spikes, out.membrane); // [25, 128, 1000] each
    println!("spikes {:?}, mean rate {:.4}", spikes.dims(), spikes.mean().into_scalar::<f32>());
    println!("membrane {:?}", membrane.dims());

    let weight = Tensor::<2>::random([256, 64], Distribution::Uniform(-0.5, 0.5), &device); // [inputs, outputs]
    let x = Tensor::<2>::random([8, 256], Distribution::Uniform(-1.0, 1.0), &device);
    let config = CrossbarConfig::rram().with_seed(7); // or ideal(), aihwkit_default()
    let crossbar = ProgrammedCrossbar::program(weight.clone(), &config)?;
    let y = crossbar.read(x.clone())?; // fresh read noise per call
    let (y_again, traces) = crossbar.read_with_traces(x.clone())?; // + power (µW), current (µA)
    let ideal = x.matmul(weight);
    let error = (y.clone() - ideal.clone()).abs().mean().into_scalar::<f32>() / ideal.abs().mean().into_scalar::<f32>();
    println!("crossbar read {:?}: relative error vs matmul {error:.3}", y.dims());
    println!("two reads differ by {:.4} on average (read noise)", (y - y_again).abs().mean().into_scalar::<f32>());
    println!("total read power {:.1} µW", traces.power.sum().into_scalar::<f32>());
    Ok(())
}
