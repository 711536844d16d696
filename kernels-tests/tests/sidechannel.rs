//! The power side channel (`analog::sidechannel`): the probe's amplitude trace is the crossbar
//! read kernels' own power; with uniform conductances it is the box-filtered input (squared
//! for amplitude encoding); measurement noise has the asked spread; each countermeasure does
//! what it claims; the raw leak is normalised; the generator learns.

use burn::module::Param;
use burn::nn::conv::Conv2dConfig;
use burn::tensor::module::{avg_pool2d, unfold4d};
use burn::tensor::ops::{AvgPoolOptions, UnfoldOptions};
use burn::tensor::{DType, Device, Tensor};
use burn_neuro::analog::config::{BoundManagement, NoiseManagement};
use burn_neuro::analog::sidechannel::{
    Countermeasure, PowerEncoding, PowerProbe, ProbeSettings, TrainSettings, metrics, raw_leak, train_reconstructor,
};
use burn_neuro::analog::{AnalogConv2d, CrossbarConfig, ProgrammedCrossbar};
use burn_neuro::data::synthetic;
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};

fn conv(weights: Vec<f32>, channels: usize, kernel: usize, crossbar: CrossbarConfig, device: &Device) -> AnalogConv2d {
    let mut conv = Conv2dConfig::new([1, channels], [kernel, kernel]).init(device);
    conv.weight = Param::from_tensor(tensor(weights, [channels, 1, kernel, kernel], DType::F32, device));
    AnalogConv2d::from_conv2d(conv, crossbar, 0.0).expect("valid conv")
}

fn digits(count: usize, device: &Device) -> Tensor<4> {
    let data = synthetic::digits(count, 3);
    tensor(data.images, [count, 1, 28, 28], DType::F32, device)
}

fn probe(conv: &AnalogConv2d, encoding: PowerEncoding, noise: f32, countermeasure: Countermeasure) -> PowerProbe {
    PowerProbe::new(conv, ProbeSettings { encoding, noise, countermeasure, seed: 9 }).expect("valid probe")
}

/// With noise management and bound management off and a continuous DAC, every read's power
/// from the crossbar kernels (`read_with_traces`, summed over tiles and columns) is the probe's.
#[test]
fn the_amplitude_trace_is_the_crossbar_reads_power() {
    let device = gpu();
    let crossbar = CrossbarConfig::rram()
        .with_input_bits(None)
        .with_noise_management(NoiseManagement::None)
        .with_bound_management(BoundManagement::None)
        .with_ir_drop(0.0)
        .with_tile_rows(16)
        .with_seed(4);
    let layer = conv(uniform(6 * 25, 5, -0.5, 0.5), 6, 5, crossbar.clone(), &device);
    let images = digits(3, &device);
    let trace = values(probe(&layer, PowerEncoding::Amplitude, 0.0, Countermeasure::None).trace(images.clone()).expect("trace"));
    let patches = unfold4d(images, [5, 5], UnfoldOptions::new([1, 1], [0, 0], [1, 1])).swap_dims(1, 2).reshape([3 * 24 * 24, 25]);
    let chip = layer.program().expect("programs");
    let (_, traces) = chip.read_with_traces(patches).expect("reads");
    let kernel_power = values(traces.power.sum_dim(2).sum_dim(1).reshape([3 * 24 * 24]));
    assert_close(&trace, &kernel_power, 1e-4, 1e-4, "probe vs the read kernels' power");
    assert!(trace.iter().any(|p| *p > 0.0), "the digits draw power");
    let _ = ProgrammedCrossbar::program; // the probe programs the same realisation (same seed)
}

/// The model-agnostic leak: uniform conductances, no noise → the trace is the box-filtered
/// input (amplitude: of its square), correlation > 0.99.
#[test]
fn uniform_conductances_leak_the_box_filtered_input() {
    let device = cpu();
    let layer = conv(vec![0.3; 4 * 9], 4, 3, CrossbarConfig::ideal(), &device);
    let images = digits(20, &device);
    for (encoding, drive) in [(PowerEncoding::Amplitude, images.clone().powi_scalar(2)), (PowerEncoding::PulseWidth, images.clone())] {
        let trace = values(probe(&layer, encoding, 0.0, Countermeasure::None).trace(images.clone()).expect("trace"));
        let boxed = values(avg_pool2d(drive, AvgPoolOptions::new([3, 3]).with_stride([1, 1])));
        let r = metrics::pearson(&trace, &boxed);
        assert!(r > 0.99, "{encoding:?}: correlation {r}");
    }
}

#[test]
fn noise_has_the_asked_spread() {
    let device = cpu();
    let layer = conv(uniform(8 * 9, 1, -0.5, 0.5), 8, 3, CrossbarConfig::ideal(), &device);
    let images = digits(30, &device);
    let clean = values(probe(&layer, PowerEncoding::Amplitude, 0.0, Countermeasure::None).trace(images.clone()).expect("trace"));
    let noisy = values(probe(&layer, PowerEncoding::Amplitude, 0.2, Countermeasure::None).trace(images).expect("trace"));
    let per_image = 26 * 26;
    let mut ratios = Vec::new();
    for i in 0..30 {
        let (c, n) = (&clean[i * per_image..(i + 1) * per_image], &noisy[i * per_image..(i + 1) * per_image]);
        let max = c.iter().fold(0.0f32, |a, b| a.max(*b));
        let sd = (c.iter().zip(n).map(|(a, b)| f64::from(b - a).powi(2)).sum::<f64>() / per_image as f64).sqrt();
        ratios.push(sd / f64::from(max));
    }
    let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
    assert!((mean - 0.2).abs() < 0.01, "σ / max P = {mean}");
}

#[test]
fn countermeasures_do_what_they_claim() {
    let device = cpu();
    let images = digits(8, &device);
    let trace =
        |layer: &AnalogConv2d, c: Countermeasure| values(probe(layer, PowerEncoding::Amplitude, 0.0, c).trace(images.clone()).expect("trace"));
    // Uniform, ideal devices: constant power is constant, a permutation changes nothing.
    let ideal = conv(vec![0.3; 4 * 9], 4, 3, CrossbarConfig::ideal(), &device);
    let constant = trace(&ideal, Countermeasure::ConstantPower);
    let spread = constant.iter().fold(f32::MIN, |a, b| a.max(*b)) - constant.iter().fold(f32::MAX, |a, b| a.min(*b));
    assert!(spread <= 1e-4 * constant[0], "constant power varies by {spread} on {}", constant[0]);
    let plain = trace(&ideal, Countermeasure::None);
    assert_close(&trace(&ideal, Countermeasure::RowPermutation), &plain, 1e-5, 1e-5, "permuting equal rows");
    // Real devices: the permutation scrambles, dummy rows only add, the complement leaves a residue.
    let rram = conv(uniform(4 * 9, 2, -0.5, 0.5), 4, 3, CrossbarConfig::rram().with_seed(1), &device);
    let plain = trace(&rram, Countermeasure::None);
    let permuted = trace(&rram, Countermeasure::RowPermutation);
    assert!(
        plain.iter().zip(&permuted).filter(|(a, b)| (*a - *b).abs() > 1e-3 * a.abs().max(1e-3)).count() > plain.len() / 4,
        "permutation changes the trace"
    );
    let dummy = trace(&rram, Countermeasure::DummyRows { rows: 8 });
    assert!(dummy.iter().zip(&plain).all(|(d, p)| d >= p), "dummy rows add power");
    let constant = trace(&rram, Countermeasure::ConstantPower);
    let r_plain = metrics::pearson(&constant, &plain).abs();
    assert!(r_plain < 0.9, "the constant-power trace no longer follows the input ({r_plain})");
    assert!(PowerProbe::new(&rram, ProbeSettings { countermeasure: Countermeasure::DummyRows { rows: 0 }, ..ProbeSettings::default() }).is_err());
    assert!(PowerProbe::new(&rram, ProbeSettings { noise: -0.1, ..ProbeSettings::default() }).is_err());
}

#[test]
fn the_raw_leak_is_normalised_and_the_generator_learns() {
    let device = cpu();
    let trace = Tensor::<3>::from_data(burn::tensor::TensorData::new(vec![1.0, 2.0, 3.0, 5.0, 7.0, 7.0, 7.0, 7.0], [2, 2, 2]), &device);
    let leak = values(raw_leak(trace, [2, 2]));
    assert_eq!(leak, [0.0, 0.25, 0.5, 1.0, 0.5, 0.5, 0.5, 0.5], "min-max per image; a flat trace is 0.5");

    let layer = conv(uniform(4 * 9, 6, -0.5, 0.5), 4, 3, CrossbarConfig::ideal(), &device);
    let images = digits(96, &device);
    let leak = raw_leak(probe(&layer, PowerEncoding::Amplitude, 0.1, Countermeasure::None).trace(images.clone()).expect("trace"), [28, 28]);
    let error = |estimate: Tensor<4>| values((estimate - images.clone()).powi_scalar(2).mean())[0];
    let untrained = burn_neuro::analog::sidechannel::Reconstructor::new(8, &device).forward(leak.clone());
    let settings = TrainSettings { channels: 8, epochs: 12, batch: 16, learning_rate: 1e-2 };
    let mut steps = 0;
    let generator = train_reconstructor(leak.clone(), images.clone(), &settings, &mut || steps += 1).expect("trains");
    assert_eq!(steps, 12 * 6, "one callback per optimiser step");
    let (before, raw, after) = (error(untrained), error(leak.clone()), error(generator.forward(leak)));
    assert!(after < before && after < 0.8 * raw, "training lowers the reconstruction error: {before} untrained, {raw} raw leak → {after}");
}

#[test]
fn phantoms_are_smooth_images_in_range() {
    let data = synthetic::phantoms(4, 32, 1);
    assert_eq!((data.len(), data.rows, data.cols), (4, 32, 32));
    assert!(data.images.iter().all(|v| (0.0..=1.0).contains(v)));
    let first = &data.images[..1024];
    let (lo, hi) = first.iter().fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    assert!(hi - lo > 0.3, "contrast {lo}..{hi}");
    // Smooth: neighbouring pixels differ little on average.
    let step: f32 = (0..32 * 31).map(|i| (first[i] - first[i + 32]).abs()).sum::<f32>() / (32.0 * 31.0);
    assert!(step < 0.05, "mean vertical step {step}");
    assert_ne!(&data.images[..1024], &data.images[1024..2048], "each phantom differs");
}
