//! The README's examples as one program (kept compiling by `cargo test`, which builds examples):
//! a `burn::nn::Linear` + `Leaky` layer over 25 steps, snnTorch's encoders with a recurrent,
//! state-quantized layer, an `Alpha` layer, and a crossbar programmed once and read twice. `cargo run --release --example quickstart`.

use burn::module::ParamGroup;
use burn::nn::LinearConfig;
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::{Device, Distribution, Tensor};
use burn_neuro::analog::{AnalogBackward, AnalogLinearConfig, CrossbarConfig, OnChipConfig, OnChipScheme, ProgrammedCrossbar, PulsedDevice};
use burn_neuro::snn::spikegen::{LatencyOptions, RateOptions, latency, rate};
use burn_neuro::snn::{AlphaConfig, Leaky, LeakyConfig, RLeakyConfig, loss};
use burn_neuro::{Neuron, NeuronState, SavedState, StateQuant, neuron_forward, neuron_step};

fn main() -> burn_neuro::Result<()> {
    let device = Device::wgpu(Default::default()); // or Device::flex() for the CPU path
    let fc = LinearConfig::new(784, 1000).init(&device);
    let neuron: Leaky = LeakyConfig::new(0.95).with_learn_beta(true).init(&device)?;

    let x = Tensor::<3>::random([25, 128, 784], Distribution::Bernoulli(0.1), &device); // [T, batch, inputs]
    let out = neuron.forward(fc.forward(x), None); // all 25 steps in one launch
    let (spikes, membrane) = (out.spikes, out.membrane); // [25, 128, 1000] each
    println!("spikes {:?}, mean rate {:.4}", spikes.dims(), spikes.clone().mean().into_scalar::<f32>());
    println!("membrane {:?}", membrane.dims());

    // Any neuron kind through one op; its state between calls in one NeuronState.
    let synaptic = Neuron::synaptic(0.8, 0.9); // α, β; θ = 1, subtract reset
    let x = Tensor::<3>::random([25, 128, 100], Distribution::Default, &device);
    let all = neuron_forward(x.clone(), None, &synaptic)?; // spikes, membrane, synaptic: [25, 128, 100]
    let mut state: Option<NeuronState<2>> = None; // a step loop, as snnTorch writes it
    for t in 0..25 {
        let x_t = x.clone().slice([t..t + 1]).reshape([128, 100]);
        let out = neuron_step(x_t, state.take(), &synaptic)?;
        state = Some(out.into_state()); // membrane and synaptic current, as snnTorch's syn, mem
    }
    let last = state.expect("25 steps ran").membrane;
    let fused_last = all.membrane.slice([24..25]).reshape([128, 100]);
    println!("synaptic: step loop vs fused, max |ΔU| = {:.2e}", (last - fused_last).abs().max().into_scalar::<f32>());

    let pixels = Tensor::<2>::random([128, 784], Distribution::Uniform(0.0, 1.0), &device);
    let trains: Tensor<3> = rate(pixels.clone(), 25, RateOptions { seed: Some(1), ..Default::default() })?;
    let first: Tensor<3> = latency(pixels, 25, LatencyOptions { linear: true, normalize: true, ..Default::default() })?;
    println!(
        "rate code: {:.4} spikes per step and input; latency code: {} spikes",
        trains.clone().mean().into_scalar::<f32>(),
        first.sum().into_scalar::<f32>()
    );

    // All-to-all recurrence (a Linear on the previous spikes), 8-bit membrane as in state_quant().
    let recurrent = RLeakyConfig::new(0.9, 784).with_state_quant(Some(StateQuant::snntorch_default())).init(&device)?;
    let out = recurrent.forward(trains, None);
    let targets = Tensor::<1, burn::tensor::Int>::zeros([128], &device);
    let accuracy = loss::accuracy_rate(out.spikes, targets, loss::OutputCode { population: 1 })?;
    println!("untrained recurrent layer, read as 784 classes against class 0: accuracy {accuracy:.3}");

    // snnTorch's Alpha neuron; for training, keep only bit-packed spikes and f16 states for BPTT.
    let alpha = AlphaConfig::new(0.9, 0.8).with_saved_state(SavedState::Compact).init(&device)?;
    let out = alpha.forward(spikes, None); // spikes, excitatory, inhibitory, membrane
    println!("alpha layer: membrane {:?}, mean rate {:.4}", out.membrane.dims(), out.spikes.mean().into_scalar::<f32>());

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

    // On-chip training: the weight lives on ReRAM devices, updated by mixed precision.
    let autodiff = device.clone().autodiff();
    let mut layer = AnalogLinearConfig::new(64, 4).with_backward(AnalogBackward::Analog).init(&autodiff)?;
    let on_chip = OnChipConfig::new(PulsedDevice::reram_sb()).with_scheme(OnChipScheme::mixed_precision()).init()?;
    let mut optim = SgdConfig::new().init().with_group(ParamGroup::from_ids(vec![layer.weight.id]), on_chip.clone(), None);
    let x = Tensor::<2>::random([32, 64], Distribution::Uniform(-1.0, 1.0), &autodiff);
    let target = Tensor::<2>::random([32, 4], Distribution::Uniform(-1.0, 1.0), &autodiff);
    for _ in 0..10 {
        let loss = (layer.forward(x.clone()) - target.clone()).powi_scalar(2).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &layer);
        layer = optim.step(0.1, layer, grads);
    }
    let activity = &on_chip.activity()[0];
    let writes: f32 = activity.writes.iter().sum();
    println!("on-chip: {writes} device writes for {} weight updates", activity.devices as u64 * activity.updates);
    Ok(())
}
