//! The non-finite policy (README, "Non-finite values"), on the GPU and on the CPU path: a NaN or
//! an infinity gives what the equivalent dense math gives, the same on every device and every
//! path of an op, confined where the docs say (a neuron's NaN to its neuron, a crossbar input's
//! to its batch row, a weight's to its column, an encoder pixel's to its pixel).

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::analog::{AnalogLinearConfig, CrossbarConfig, ProgrammedCrossbar};
use burn_neuro::ops::spike_propagate::{PropagateOptions, Propagation, spike_propagate};
use burn_neuro::snn::spikegen::{LatencyOptions, RateOptions, latency, rate};
use burn_neuro::{Neuron, neuron_forward};
use kernels_tests::{cpu, gpu, tensor, uniform, values};

/// Both results are non-finite at the same places and close elsewhere.
#[track_caller]
fn assert_same_non_finite(actual: &[f32], expected: &[f32], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    for (i, (a, b)) in actual.iter().zip(expected).enumerate() {
        assert_eq!(a.is_finite(), b.is_finite(), "{what}: element {i} is {a} here and {b} there");
        if a.is_finite() {
            assert!((a - b).abs() <= 1e-5 + 1e-5 * b.abs(), "{what}: element {i}: {a} vs {b}");
        }
    }
}

/// `[rows, columns]` values: which columns hold a non-finite value in any row.
fn non_finite_columns(values: &[f32], columns: usize) -> Vec<bool> {
    (0..columns).map(|c| values.iter().skip(c).step_by(columns).any(|v| !v.is_finite())).collect()
}

/// Spikes and membranes, then dL/dX and dL/dβ, of a 4-neuron layer whose neuron 1 has β = NaN.
fn neuron_with_a_nan_coefficient(device: &Device, kind: &str) -> [Vec<f32>; 4] {
    let (steps, neurons) = (6, 4);
    let x = tensor(uniform(steps * neurons, 3, 0.0, 0.6), [steps, neurons], DType::F32, device).require_grad();
    let beta = tensor(vec![0.9, f32::NAN, 0.8, 0.95], [neurons], DType::F32, device).require_grad();
    let neuron = match kind {
        "leaky" => Neuron::leaky(beta.clone()),
        "synaptic" => Neuron::synaptic(0.7, beta.clone()),
        _ => Neuron::alpha(0.85, beta.clone()),
    };
    let out = neuron_forward(x.clone(), None, &neuron.with_threshold(0.5)).expect("valid");
    let grads = (out.spikes.clone() + out.membrane.clone() * 0.5).sum().backward();
    [values(out.spikes), values(out.membrane), values(x.grad(&grads).expect("dX")), values(beta.grad(&grads).expect("dβ"))]
}

#[test]
fn a_nan_coefficient_stays_in_its_neuron_and_is_the_same_on_gpu_and_cpu() {
    for kind in ["leaky", "synaptic", "alpha"] {
        let [gpu_spikes, gpu_membrane, gpu_dx, gpu_dbeta] = neuron_with_a_nan_coefficient(&gpu().autodiff(), kind);
        let [cpu_spikes, cpu_membrane, cpu_dx, cpu_dbeta] = neuron_with_a_nan_coefficient(&cpu().autodiff(), kind);
        // Only neuron 1's membrane is NaN, at every step; it never spikes.
        assert_eq!(non_finite_columns(&gpu_membrane, 4), [false, true, false, false], "{kind}: membrane {gpu_membrane:?}");
        assert!(gpu_spikes.iter().skip(1).step_by(4).all(|s| *s == 0.0), "{kind}: a NaN membrane spiked");
        assert_same_non_finite(&gpu_spikes, &cpu_spikes, &format!("{kind} spikes"));
        assert_same_non_finite(&gpu_membrane, &cpu_membrane, &format!("{kind} membrane"));
        assert_same_non_finite(&gpu_dx, &cpu_dx, &format!("{kind} dX"));
        assert_same_non_finite(&gpu_dbeta, &cpu_dbeta, &format!("{kind} dβ"));
        assert!(!non_finite_columns(&gpu_dx, 4)[0], "{kind}: the NaN leaked into neuron 0's gradient");
    }
}

/// `spikes · weight` through one propagation mode; the weight gradient of `Σ y·g` with
/// `grad_output` = g, too.
fn propagate(device: &Device, spikes: &[f32], weight: &[f32], grad_output: &[f32], mode: Propagation, binary: bool) -> (Vec<f32>, Vec<f32>) {
    let (rows, inputs, outputs) = (3, 5, 4);
    let spikes = tensor(spikes.to_vec(), [rows, inputs], DType::F32, device);
    let weight = tensor(weight.to_vec(), [inputs, outputs], DType::F32, device).require_grad();
    let y = spike_propagate(spikes, weight.clone(), None, PropagateOptions { mode, binary }).expect("valid");
    let grads = (y.clone() * tensor(grad_output.to_vec(), [rows, outputs], DType::F32, device)).sum().backward();
    (values(y), values(weight.grad(&grads).expect("dW")))
}

#[test]
fn sparse_dense_and_auto_propagation_agree_on_non_finite_weights_spikes_and_gradients() {
    let spikes = vec![1.0, 0.0, 0.0, 1.0, 0.0, /**/ 0.0, 0.0, 1.0, 0.0, 0.0, /**/ 1.0, 0.0, 0.0, 0.0, 1.0];
    let mut weight = uniform(20, 7, -1.0, 1.0);
    weight[4 + 1] = f32::NAN; // input 1 (never spikes), column 1
    weight[8 + 2] = f32::INFINITY; // input 2 (spikes in row 1), column 2
    let finite_grad = uniform(12, 8, -1.0, 1.0);
    let mut nan_grad = finite_grad.clone();
    nan_grad[4 + 3] = f32::NAN; // row 1 (where input 0 is silent), column 3
    let mut nan_spike = spikes.clone();
    nan_spike[5 + 3] = f32::NAN; // row 1, input 3
    let finite_weight = uniform(20, 9, -1.0, 1.0);
    let cases = [("non-finite weights", &spikes, &weight, &finite_grad), ("a NaN output gradient", &spikes, &finite_weight, &nan_grad)];
    let graded = [("a NaN spike", &nan_spike, &finite_weight, &finite_grad)];
    for device in [gpu().autodiff(), cpu().autodiff()] {
        for (what, s, w, g) in cases.iter().chain(&graded) {
            let (expected_y, expected_dw) = dense_reference(s, w, g);
            let binary_modes: &[bool] = if what.contains("spike") { &[false] } else { &[false, true] };
            for mode in [Propagation::Sparse, Propagation::Dense, Propagation::Auto { break_even: 1.0 }] {
                for &binary in binary_modes {
                    let (y, dw) = propagate(&device, s, w, g, mode, binary);
                    let label = format!("{device:?}, {what}, {mode:?}, binary {binary}");
                    assert_same_non_finite(&y, &expected_y, &format!("{label}: output"));
                    assert_same_non_finite(&dw, &expected_dw, &format!("{label}: dW"));
                }
            }
        }
    }
    // What the dense math gives, spelled out: a non-finite weight poisons its whole column,
    // a NaN spike its whole row.
    let (y, _) = dense_reference(&spikes, &weight, &finite_grad);
    assert_eq!(non_finite_columns(&y, 4), [false, true, true, false]);
    let (y, _) = dense_reference(&nan_spike, &finite_weight, &finite_grad);
    assert!(y[4..8].iter().all(|v| v.is_nan()) && y[..4].iter().chain(&y[8..]).all(|v| v.is_finite()));
}

/// What the dense math gives: the dense path on the CPU.
fn dense_reference(spikes: &[f32], weight: &[f32], grad_output: &[f32]) -> (Vec<f32>, Vec<f32>) {
    propagate(&cpu().autodiff(), spikes, weight, grad_output, Propagation::Dense, false)
}

/// A crossbar with every converter and noise source on, read once at a fixed index.
fn crossbar_read(device: &Device, weight: &[f32], input: &[f32]) -> Vec<f32> {
    let config = CrossbarConfig::aihwkit_default().with_tile_rows(4);
    let crossbar = ProgrammedCrossbar::program(tensor(weight.to_vec(), [6, 3], DType::F32, device), &config).expect("valid");
    let (y, _) = crossbar.read_at(tensor(input.to_vec(), [4, 6], DType::F32, device), 5, false).expect("valid");
    values(y)
}

#[test]
fn a_non_finite_crossbar_input_poisons_its_row_and_a_weight_its_column_on_gpu_and_cpu() {
    let weight = uniform(18, 11, -0.5, 0.5);
    let mut input = uniform(24, 12, -1.0, 1.0);
    input[6 + 2] = f32::NAN; // row 1
    input[12 + 5] = f32::INFINITY; // row 2
    input[18] = f32::NEG_INFINITY; // row 3
    let on_gpu = crossbar_read(&gpu(), &weight, &input);
    let on_cpu = crossbar_read(&cpu(), &weight, &input);
    assert_same_non_finite(&on_gpu, &on_cpu, "non-finite inputs");
    assert!(on_gpu[..3].iter().all(|v| v.is_finite()), "row 0 is finite: {on_gpu:?}");
    assert!(on_gpu[3..].iter().all(|v| v.is_nan()), "rows 1 to 3 are NaN (no DAC clip or 1/max|x| hides them): {on_gpu:?}");

    let finite_input = uniform(24, 13, -1.0, 1.0);
    let mut poisoned = weight.clone();
    poisoned[3 * 4 + 1] = f32::NAN; // input 4, column 1
    poisoned[3 * 2 + 2] = f32::INFINITY; // input 2, column 2 (max|W| ignores it)
    let on_gpu = crossbar_read(&gpu(), &poisoned, &finite_input);
    let on_cpu = crossbar_read(&cpu(), &poisoned, &finite_input);
    assert_same_non_finite(&on_gpu, &on_cpu, "non-finite weights");
    assert_eq!(non_finite_columns(&on_gpu, 3), [false, true, true]);
    // Column 0 is what a crossbar with those weights at 0 reads: the others keep their scale.
    let mut zeroed = poisoned.clone();
    zeroed[3 * 4 + 1] = 0.0;
    zeroed[3 * 2 + 2] = 0.0;
    let reference = crossbar_read(&gpu(), &zeroed, &finite_input);
    let column0 = |v: &[f32]| v.iter().step_by(3).copied().collect::<Vec<f32>>();
    assert_eq!(column0(&on_gpu), column0(&reference));
}

#[test]
fn a_nan_input_makes_an_analog_layers_loss_nan_instead_of_poisoning_dw_quietly() {
    for device in [gpu().autodiff(), cpu().autodiff()] {
        let layer = AnalogLinearConfig::new(6, 3).with_crossbar(CrossbarConfig::aihwkit_default()).init(&device).expect("valid");
        let mut x = uniform(12, 14, -1.0, 1.0);
        x[7] = f32::NAN;
        let y = layer.forward(tensor(x, [2, 6], DType::F32, &device));
        let loss = (y.clone() * y).sum();
        assert!(values(loss).iter().all(|v| v.is_nan()), "{device:?}: the loss must show the NaN");
    }
}

#[test]
fn a_non_finite_pixel_never_spikes_and_leaves_the_other_pixels_alone() {
    for device in [gpu(), cpu()] {
        let clean = vec![0.2, 0.9, 0.5, 3.0];
        for options in [
            LatencyOptions { normalize: true, ..LatencyOptions::default() },
            LatencyOptions { normalize: true, linear: true, ..LatencyOptions::default() },
            LatencyOptions::default(),
        ] {
            let encode = |pixels: Vec<f32>| {
                let n = pixels.len();
                values(latency::<1, 2>(tensor(pixels, [n], DType::F32, &device), 8, options).expect("valid"))
            };
            let expected = encode(clean.clone());
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                let mut pixels = clean.clone();
                pixels.push(bad);
                let spikes = encode(pixels);
                let is_bad = |i: usize| i % 5 == 4;
                assert!(spikes.iter().enumerate().all(|(i, s)| !is_bad(i) || *s == 0.0), "{device:?} {options:?}: the {bad} pixel spiked");
                let kept: Vec<f32> = spikes.iter().enumerate().filter(|(i, _)| !is_bad(*i)).map(|(_, s)| *s).collect();
                assert_eq!(kept, expected, "{device:?} {options:?}: a {bad} pixel moved the others");
            }
        }
        let probabilities = tensor(vec![f32::NAN, 1.0, f32::NAN], [3], DType::F32, &device);
        let spikes = values(rate::<1, 2>(probabilities, 16, RateOptions { seed: Some(1), ..RateOptions::default() }).expect("valid"));
        for (i, s) in spikes.iter().enumerate() {
            assert_eq!(*s, if i % 3 == 1 { 1.0 } else { 0.0 }, "{device:?}: rate with a NaN probability, step {}", i / 3);
        }
    }
}

#[test]
fn nan_spikes_are_active_in_the_sparse_kernels_as_in_the_reference() {
    // A NaN spike is non-zero: the sparse kernel gathers its weight row, like the reference.
    let device = gpu();
    let spikes = tensor(vec![0.0, f32::NAN, 0.0, 0.0, 0.0, 1.0], [2, 3], DType::F32, &device);
    let weight = Tensor::<2>::ones([3, 2], (&device, DType::F32));
    let y = values(spike_propagate(spikes, weight, None, PropagateOptions { mode: Propagation::Sparse, binary: false }).expect("valid"));
    assert!(y[..2].iter().all(|v| v.is_nan()) && y[2..] == [1.0, 1.0], "{y:?}");
}
