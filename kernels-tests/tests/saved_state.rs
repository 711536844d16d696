//! Memory-light BPTT (`SavedState::Compact`): the packing itself, the GPU's saved words against
//! the reference packing, unchanged forward outputs, and gradients — GPU = CPU reference on the
//! same f16 states, and close to the full-precision backward — for every neuron model.

use burn::backend::Dispatch;
use burn::tensor::{DType, Device, Tensor};
use burn_neuro::backend::LifOps;
use burn_neuro::reference::saved_state::{compact_words, pack, unpack};
use burn_neuro::{Coefficient, LifSpec, Neuron, NeuronKind, Plane, ResetMode, SavedState, neuron_forward};
use kernels_tests::{assert_close, cpu, gpu, neuron_from_rows, state_from_rows, tensor, to_f16_values, uniform, values};

#[test]
fn packing_round_trips_spikes_exactly_and_states_as_f16() {
    for steps in [1, 2, 31, 32, 33, 67] {
        for neurons in [1, 7] {
            let len = steps * neurons;
            let spikes: Vec<f32> = uniform(len, 1, 0.0, 1.0).iter().map(|u| if *u < 0.4 { 1.0 } else { 0.0 }).collect();
            let (a, b) = (uniform(len, 2, -3.0, 3.0), uniform(len, 3, -100.0, 100.0));
            let words = pack(&spikes, &[&a, &b], steps, neurons);
            assert_eq!(words.len(), compact_words(steps, neurons, 2));
            assert_eq!(words.len(), steps.div_ceil(32) * neurons + 2 * steps.div_ceil(2) * neurons);
            let (s, planes) = unpack(&words, steps, neurons, 2);
            assert_eq!(s, spikes, "T={steps} N={neurons}");
            assert_eq!(planes, vec![to_f16_values(&a), to_f16_values(&b)], "T={steps} N={neurons}");
        }
    }
}

/// Seed and range of each coefficient's values.
fn coefficient_values(coefficient: Coefficient) -> (u64, f32, f32) {
    match coefficient {
        Coefficient::Beta => (12, 0.4, 0.8),
        Coefficient::Threshold => (13, 0.6, 1.0),
        Coefficient::Alpha => (14, 0.85, 0.95),
        Coefficient::RecurrentWeight => (15, -0.5, 0.5),
    }
}

/// Coefficient rows and initial-state rows for a kind, in its table order, as the public ops
/// build them.
fn raw_inputs(model: NeuronKind, steps: usize, neurons: usize, device: &Device) -> (Tensor<2>, Tensor<2>, Tensor<2>) {
    let x = tensor(uniform(steps * neurons, 11, -0.3, 1.1), [steps, neurons], DType::F32, device);
    let rows: Vec<f32> = model
        .layout()
        .coefficients
        .iter()
        .flat_map(|&c| {
            let (seed, lo, hi) = coefficient_values(c);
            uniform(neurons, seed, lo, hi)
        })
        .collect();
    let coeffs = tensor(rows, [model.coeff_rows(), neurons], DType::F32, device);
    let states: Vec<f32> = (0..model.states()).flat_map(|r| uniform(neurons, 20 + r as u64, 0.0, 1.0)).collect();
    let initial = tensor(states, [model.states(), neurons], DType::F32, device);
    (x, initial, coeffs)
}

#[test]
fn gpu_saved_words_equal_the_reference_packing_of_the_outputs() {
    let device = gpu();
    for model in NeuronKind::ALL {
        for (steps, neurons) in [(1, 1), (5, 300), (33, 3), (67, 257)] {
            let spec = if model == NeuronKind::Alpha {
                LifSpec { reset: ResetMode::Zero, ..LifSpec::snntorch_default() }
            } else {
                LifSpec::snntorch_default()
            };
            let (x, initial, coeffs) = raw_inputs(model, steps, neurons, &device);
            let (output, saved) = Dispatch::lif_forward_compact(x.into_dispatch(), initial.into_dispatch(), coeffs.into_dispatch(), spec, model);
            let output = values(Tensor::<3>::from_dispatch(output));
            let words: Vec<u32> = values(Tensor::<1>::from_dispatch(saved)).iter().map(|w| w.to_bits()).collect();
            let planes: Vec<&[f32]> = output.chunks(steps * neurons).collect();
            let expected = pack(planes[0], &planes[1..], steps, neurons);
            assert_eq!(words, expected, "{model:?} T={steps} N={neurons}");
        }
    }
}

/// One model's run: the public op with `saved_state`, returning every output plane and the
/// gradient of every input (X, initial states, per-neuron coefficients).
fn run(device: &Device, model: NeuronKind, reset: ResetMode, delay: bool, saved_state: SavedState) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let (steps, neurons) = (37, 23);
    let spec = LifSpec { reset, reset_delay: delay, saved_state, ..LifSpec::default() };
    let row = |seed, lo, hi| tensor(uniform(neurons, seed, lo, hi), [neurons], DType::F32, device).require_grad();
    let state = |seed, lo, hi| tensor(uniform(neurons, seed, lo, hi), [1, neurons], DType::F32, device).require_grad();
    let x = tensor(uniform(steps * neurons, 31, -0.3, 1.1), [steps, neurons], DType::F32, device).require_grad();
    let coefficients: Vec<Tensor<1>> = model
        .layout()
        .coefficients
        .iter()
        .map(|c| match c {
            Coefficient::Beta => row(32, 0.4, 0.8),
            Coefficient::Threshold => row(33, 0.6, 1.0),
            Coefficient::Alpha => row(34, 0.85, 0.95),
            Coefficient::RecurrentWeight => row(38, -0.5, 0.5),
        })
        .collect();
    let neuron = neuron_from_rows(model, spec, &coefficients);
    // The starting states in table order (S[-1] of the recurrent kinds is zeros and not a leaf).
    let rows: Vec<Tensor<2>> = model
        .layout()
        .states
        .iter()
        .map(|plane| match plane {
            Plane::Membrane => state(35, 0.0, 1.2),
            Plane::Synaptic | Plane::Excitatory => state(36, 0.0, 1.0),
            Plane::Inhibitory => state(37, -1.0, 0.0),
            Plane::Spikes => Tensor::<2>::zeros([1, neurons], device),
        })
        .collect();
    let initial = state_from_rows(model, &rows);
    let mut leaves = vec![x.clone()];
    leaves.extend(model.layout().states.iter().zip(&rows).filter(|(plane, _)| **plane != Plane::Spikes).map(|(_, row)| row.clone()));
    let out = neuron_forward(x, Some(initial), &neuron).expect("valid");
    let outputs: Vec<Tensor<2>> = model.layout().outputs.iter().map(|&plane| out.plane(plane).expect("the kind writes it").clone()).collect();
    let loss = outputs.iter().enumerate().fold(Tensor::<2>::zeros([steps, neurons], device), |acc, (k, plane)| {
        acc + plane.clone() * tensor(uniform(steps * neurons, 40 + k as u64, -1.0, 1.0), [steps, neurons], DType::F32, device)
    });
    let grads = loss.sum().backward();
    let mut grad_values: Vec<Vec<f32>> = leaves.iter().map(|leaf| values(leaf.grad(&grads).expect("tracked"))).collect();
    grad_values.extend(coefficients.iter().map(|c| values(c.grad(&grads).expect("tracked"))));
    (outputs.into_iter().map(values).collect(), grad_values)
}

fn cases() -> Vec<(NeuronKind, ResetMode, bool)> {
    let mut cases = Vec::new();
    for model in [NeuronKind::Leaky, NeuronKind::Synaptic, NeuronKind::RLeaky, NeuronKind::RSynaptic] {
        for (reset, delay) in [(ResetMode::Subtract, true), (ResetMode::Subtract, false), (ResetMode::Zero, true), (ResetMode::ZeroAll, false)] {
            cases.push((model, reset, delay));
        }
    }
    for reset in [ResetMode::Zero, ResetMode::Subtract, ResetMode::None] {
        cases.push((NeuronKind::Alpha, reset, true));
    }
    cases
}

#[test]
fn compact_outputs_equal_full_and_gradients_follow_the_f16_states() {
    let (device, host) = (gpu().autodiff(), cpu().autodiff());
    for (model, reset, delay) in cases() {
        let what = format!("{model:?} {reset:?} delay={delay}");
        let (full_out, full_grads) = run(&device, model, reset, delay, SavedState::Full);
        let (compact_out, compact_grads) = run(&device, model, reset, delay, SavedState::Compact);
        let (_, host_grads) = run(&host, model, reset, delay, SavedState::Compact);
        assert_eq!(compact_out, full_out, "the forward outputs do not change, {what}");
        assert_ne!(compact_grads, full_grads, "the compact backward runs on the f16 states, {what}");
        for (k, ((c, h), f)) in compact_grads.iter().zip(&host_grads).zip(&full_grads).enumerate() {
            let scale = f.iter().fold(1.0f32, |m, v| m.max(v.abs()));
            // GPU and CPU reference read the same f16 states: they agree to f32 rounding.
            assert_close(c, h, 1e-5 * scale, 1e-5, &format!("gradient {k}, GPU vs CPU compact, {what}"));
            // Against the full-precision states: f16's relative rounding, carried through T steps.
            assert_close(c, f, 2e-2 * scale, 2e-2, &format!("gradient {k}, compact vs full, {what}"));
        }
    }
}

/// In f16 storage the kernels' element type must come from the gradient, not from the saved
/// words (u32 in an F32-typed buffer): the compact backward gives the full one's gradients.
#[test]
fn f16_storage_compact_backward_matches_full() {
    let device = gpu().autodiff();
    let (steps, neurons) = (25, 300);
    for model in NeuronKind::ALL {
        let mut results = Vec::new();
        for saved_state in [SavedState::Full, SavedState::Compact] {
            let x = tensor(uniform(steps * neurons, 51, -0.3, 1.1), [steps, neurons], DType::F16, &device).require_grad();
            let spec = LifSpec { reset: ResetMode::Zero, saved_state, ..LifSpec::snntorch_default() };
            // α is the excitatory decay of Alpha (above β) and the current decay otherwise.
            let alpha = if model == NeuronKind::Alpha { 0.9 } else { 0.8 };
            let neuron = Neuron::new(model, alpha, 0.7).with_spec(spec).with_recurrent_weight(0.3);
            let out = neuron_forward(x.clone(), None, &neuron).expect("valid");
            let planes = [out.spikes, out.membrane];
            let w = tensor(uniform(steps * neurons, 52, -1.0, 1.0), [steps, neurons], DType::F16, &device);
            let grads = (planes[0].clone() * w.clone() + planes[1].clone() * w).sum().backward();
            results.push(values(x.grad(&grads).expect("dX")));
        }
        assert!(results[1].iter().all(|g| g.is_finite()), "{model:?}: finite gradients");
        assert_close(&results[1], &results[0], 1e-2, 1e-2, &format!("{model:?} f16 compact vs full"));
    }
}
