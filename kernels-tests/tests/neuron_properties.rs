//! Property tests over the neuron table: random kinds, sequence lengths, shapes (1, sizes off
//! the workgroup), resets, delays, surrogates, quantizers and dtypes, the fused kernels on the
//! GPU against the CPU reference (`reference::neuron`, stacked by the same table) — every
//! output plane forward, and dX, d(initial state) and d(coefficients) backward.

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::reference::Storage;
use burn_neuro::reference::neuron::{StackedProblem, backward, forward};
use burn_neuro::{Coefficient, LifSpec, Neuron, NeuronKind, Plane, ResetMode, SavedState, StateQuant, Surrogate, neuron_forward};
use kernels_tests::{assert_close, gpu, neuron_from_rows, state_from_rows, tensor, to_f16_values, uniform, values};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    kind: NeuronKind,
    spec: LifSpec,
    dtype: DType,
    steps: usize,
    batch: usize,
    features: usize,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..NeuronKind::ALL.len(),
        0..ResetMode::ALL.len(),
        any::<bool>(),
        0..Surrogate::all_defaults().len(),
        any::<bool>(),
        prop_oneof![Just(SavedState::Full), Just(SavedState::Compact)],
        prop_oneof![Just(DType::F32), Just(DType::F16)],
        1usize..24,
        1usize..4,
        prop_oneof![Just(1usize), 2usize..40, Just(257usize)],
        any::<u64>(),
    )
        .prop_map(|(kind, reset, reset_delay, surrogate, quantize, saved_state, dtype, steps, batch, features, seed)| {
            let kind = NeuronKind::ALL[kind];
            let mut spec = LifSpec {
                reset: ResetMode::ALL[reset],
                reset_delay,
                surrogate: Surrogate::all_defaults()[surrogate],
                state_quant: quantize.then(|| StateQuant { levels: 64, lower: -2.0, upper: 2.0 }),
                saved_state,
            };
            if kind == NeuronKind::Alpha {
                // snnTorch's Alpha always delays its reset and has no ZeroAll.
                spec.reset_delay = true;
                if spec.reset == ResetMode::ZeroAll {
                    spec.reset = ResetMode::Zero;
                }
            }
            Case { kind, spec, dtype, steps, batch, features, seed: seed % 1_000_000 }
        })
}

/// Values of a coefficient (α of `Alpha` above every β, as snnTorch requires).
fn coefficient_values(case: &Case, coefficient: Coefficient, seed: u64) -> Vec<f32> {
    let (lo, hi) = match (coefficient, case.kind) {
        (Coefficient::Beta, _) => (0.5, 0.9),
        (Coefficient::Threshold, _) => (0.4, 1.1),
        (Coefficient::Alpha, NeuronKind::Alpha) => (0.92, 0.98),
        (Coefficient::Alpha, _) => (0.3, 0.9),
        (Coefficient::RecurrentWeight, _) => (-0.6, 0.6),
    };
    uniform(case.features, seed, lo, hi)
}

fn check(case: &Case) {
    let device: Device = gpu().autodiff();
    let layout = case.kind.layout();
    let (steps, neurons) = (case.steps, case.batch * case.features);
    let round = |v: Vec<f32>| if case.dtype == DType::F16 { to_f16_values(&v) } else { v };
    let seed = case.seed;
    let x = round(uniform(steps * neurons, seed, -0.4, 1.3));
    let states: Vec<Vec<f32>> = layout
        .states
        .iter()
        .enumerate()
        .map(|(row, plane)| match plane {
            Plane::Spikes => uniform(neurons, seed + 10 + row as u64, 0.0, 1.0).iter().map(|u| (*u < 0.3) as u8 as f32).collect(),
            Plane::Inhibitory => round(uniform(neurons, seed + 10 + row as u64, -1.0, 0.0)),
            _ => round(uniform(neurons, seed + 10 + row as u64, -0.5, 1.2)),
        })
        .collect();
    let coeffs: Vec<Vec<f32>> = layout.coefficients.iter().enumerate().map(|(row, &c)| coefficient_values(case, c, seed + 20 + row as u64)).collect();
    let weights: Vec<Vec<f32>> = (0..layout.outputs.len()).map(|k| round(uniform(steps * neurons, seed + 30 + k as u64, -1.0, 1.0))).collect();

    // GPU: the public op under autodiff.
    let shape = [steps, case.batch, case.features];
    let one_step = [1, case.batch, case.features];
    let input = tensor(x.clone(), shape, case.dtype, &device).require_grad();
    let state_leaves: Vec<Tensor<3>> = states.iter().map(|s| tensor(s.clone(), one_step, case.dtype, &device).require_grad()).collect();
    let coeff_leaves: Vec<Tensor<1>> = coeffs.iter().map(|c| tensor(c.clone(), [case.features], DType::F32, &device).require_grad()).collect();
    let neuron = neuron_from_rows(case.kind, case.spec, &coeff_leaves);
    let state = state_from_rows(case.kind, &state_leaves);
    let out = neuron_forward(input.clone(), Some(state), &neuron).expect("valid call");
    let planes: Vec<Tensor<3>> = layout.outputs.iter().map(|&p| out.plane(p).expect("written").clone()).collect();
    let loss = planes.iter().zip(&weights).fold(Tensor::<3>::zeros(shape, (&device, case.dtype)), |acc, (plane, w)| {
        acc + plane.clone() * tensor(w.clone(), shape, case.dtype, &device)
    });
    let grads = loss.sum().backward();

    // CPU reference on the stacked buffers.
    let storage = if case.dtype == DType::F16 { Storage::F16 } else { Storage::F32 };
    let (initial, coeff_rows) = (states.concat(), coeffs.concat());
    let problem = StackedProblem { kind: case.kind, spec: case.spec, storage, num_steps: steps, input: &x, initial: &initial, coeffs: &coeff_rows };
    let expected = forward(&problem);
    let (atol, rtol) = if case.dtype == DType::F16 { (2e-3, 2e-3) } else { (1e-5, 1e-5) };
    let plane_len = steps * neurons;
    for (k, plane) in planes.iter().enumerate() {
        let what = format!("{case:?}: plane {:?}", layout.outputs[k]);
        assert_close(&values(plane.clone()), &expected[k * plane_len..(k + 1) * plane_len], atol, rtol, &what);
    }
    // A compact saved state keeps the states as f16: the backward sees them rounded.
    let saved: Vec<f32> = match case.spec.saved_state {
        SavedState::Full => expected.clone(),
        SavedState::Compact => [expected[..plane_len].to_vec(), to_f16_values(&expected[plane_len..])].concat(),
    };
    let (grad_input, grad_coeffs) = backward(&problem, &saved, &weights.concat());
    // An immediate reset multiplies the carried gradient by up to (1 − U·σ'), σ' as large as the
    // surrogate's slope, every step: the last-ulp differences of `exp` and FMA between the GPU
    // and the CPU grow along the sequence, so the backward gets a relative tolerance.
    let (atol, rtol) = if case.dtype == DType::F16 { (2e-2, 2e-2) } else { (1e-3, 2e-3) };
    assert_close(&values(input.grad(&grads).expect("dX")), &grad_input[..plane_len], atol, rtol, &format!("{case:?}: dX"));
    for (row, leaf) in state_leaves.iter().enumerate() {
        let expected = &grad_input[plane_len + row * neurons..plane_len + (row + 1) * neurons];
        assert_close(&values(leaf.grad(&grads).expect("d state")), expected, atol, rtol, &format!("{case:?}: d{:?}", layout.states[row]));
    }
    for (row, leaf) in coeff_leaves.iter().enumerate() {
        // Per-neuron contributions, summed onto their coefficient column (neuron n uses n % L).
        let per_neuron = &grad_coeffs[row * neurons..(row + 1) * neurons];
        let mut expected = vec![0.0f32; case.features];
        for (n, g) in per_neuron.iter().enumerate() {
            expected[n % case.features] += g;
        }
        assert_close(
            &values(leaf.grad(&grads).expect("d coefficient")),
            &expected,
            atol * 10.0,
            rtol * 10.0,
            &format!("{case:?}: d{:?}", layout.coefficients[row]),
        );
    }
}

proptest! {
    // Each case is one forward and one backward (a few dozen cover the table's rows and the
    // spec's choices without making the suite slow), from a fixed seed so a failure reproduces.
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_2026),
        ..ProptestConfig::default()
    })]

    #[test]
    fn gpu_matches_the_reference_for_random_neurons(case in case()) {
        check(&case);
    }
}

/// Every kind over more than 65,535 workgroups (the 2-D grid fold), forward and backward,
/// against the reference. f16 keeps the largest stacked output (Alpha's four planes) under a
/// 128 MiB binding; scalar coefficients keep the per-neuron coefficient gradients unlaunched.
#[test]
fn every_kind_folds_past_65535_workgroups() {
    let device: Device = gpu().autodiff();
    let neurons = 65_535 * 256 + 1;
    let x = to_f16_values(&(0..neurons).map(|i| (i % 1000) as f32 / 400.0 - 0.5).collect::<Vec<_>>());
    for kind in NeuronKind::ALL {
        let layout = kind.layout();
        let alpha = if kind == NeuronKind::Alpha { 0.95 } else { 0.6 };
        let neuron = Neuron::new(kind, alpha, 0.8).with_threshold(0.7).with_recurrent_weight(0.3);
        let input = tensor(x.clone(), [1, neurons], DType::F16, &device).require_grad();
        let out = neuron_forward(input.clone(), None, &neuron).expect("valid call");
        let planes: Vec<Tensor<2>> = layout.outputs.iter().map(|&p| out.plane(p).expect("written").clone()).collect();
        let loss = planes
            .iter()
            .enumerate()
            .fold(Tensor::<2>::zeros([1, neurons], (&device, DType::F16)), |acc, (k, plane)| acc + plane.clone() * (k as f32 + 1.0));
        let grads = loss.sum().backward();

        let coeffs: Vec<f32> = layout
            .coefficients
            .iter()
            .map(|c| match c {
                Coefficient::Beta => 0.8,
                Coefficient::Threshold => 0.7,
                Coefficient::Alpha => alpha,
                Coefficient::RecurrentWeight => 0.3,
            })
            .collect();
        let initial = vec![0.0; layout.states.len() * neurons];
        let problem = StackedProblem { kind, spec: neuron.spec, storage: Storage::F16, num_steps: 1, input: &x, initial: &initial, coeffs: &coeffs };
        let expected = forward(&problem);
        for (k, plane) in planes.into_iter().enumerate() {
            assert_close(&values(plane), &expected[k * neurons..(k + 1) * neurons], 1e-3, 1e-3, &format!("{kind:?}: plane {:?}", layout.outputs[k]));
        }
        let upstream: Vec<f32> = (0..layout.outputs.len()).flat_map(|k| vec![k as f32 + 1.0; neurons]).collect();
        let (grad_input, _) = backward(&problem, &expected, &upstream);
        assert_close(&values(input.grad(&grads).expect("dX")), &grad_input[..neurons], 1e-2, 1e-2, &format!("{kind:?}: dX"));
    }
}

/// The kind's composite form (snnTorch's equations as Burn tensor ops, differentiated by
/// autodiff): output planes in table order, from states and coefficients in table order.
fn composite(kind: NeuronKind, x: Tensor<2>, states: &[Tensor<2>], coeffs: &[Tensor<1>], spec: LifSpec) -> Vec<Tensor<2>> {
    use burn_neuro::ops::lif_composite::{alpha_composite, lif_composite, recurrent_composite, synaptic_composite};
    let layout = kind.layout();
    let state = |plane: Plane| states[layout.state_row(plane).expect("a state of this kind")].clone();
    let coefficient = |c: Coefficient| coeffs[layout.coefficient_row(c).expect("a coefficient of this kind")].clone();
    let (u0, beta, theta) = (state(Plane::Membrane), coefficient(Coefficient::Beta), coefficient(Coefficient::Threshold));
    match kind {
        NeuronKind::Leaky => {
            let (s, u) = lif_composite(x, u0, beta, theta, spec);
            vec![s, u]
        }
        NeuronKind::Synaptic => {
            let (s, u, i) = synaptic_composite(x, u0, state(Plane::Synaptic), coefficient(Coefficient::Alpha), beta, theta, spec);
            vec![s, u, i]
        }
        NeuronKind::RLeaky | NeuronKind::RSynaptic => {
            let synaptic = (kind == NeuronKind::RSynaptic).then(|| (coefficient(Coefficient::Alpha), state(Plane::Synaptic)));
            let (s, u, i) = recurrent_composite(x, u0, state(Plane::Spikes), coefficient(Coefficient::RecurrentWeight), synaptic, beta, theta, spec);
            [vec![s, u], i.into_iter().collect()].concat()
        }
        NeuronKind::Alpha => {
            let (s, u, e, h) =
                alpha_composite(x, u0, state(Plane::Excitatory), state(Plane::Inhibitory), coefficient(Coefficient::Alpha), beta, theta, spec);
            vec![s, u, e, h]
        }
    }
}

/// For every kind and a spread of specs: the fused kernels' outputs and gradients (X, every
/// starting state, every per-neuron coefficient) equal autodiff of the composite form.
#[test]
fn fused_gradients_equal_autodiff_of_the_composite_for_every_kind() {
    let device: Device = gpu().autodiff();
    let (steps, neurons) = (11, 37);
    let specs = [
        (ResetMode::Subtract, true, Surrogate::atan(), None),
        (ResetMode::Zero, false, Surrogate::fast_sigmoid(), None),
        (ResetMode::ZeroAll, false, Surrogate::sigmoid(), None),
        (ResetMode::None, true, Surrogate::atan(), Some(StateQuant { levels: 128, lower: -2.0, upper: 2.0 })),
        (ResetMode::Zero, true, Surrogate::straight_through(), None),
    ];
    for kind in NeuronKind::ALL {
        let layout = kind.layout();
        for (k, &(reset, reset_delay, surrogate, state_quant)) in specs.iter().enumerate() {
            if kind == NeuronKind::Alpha && (!reset_delay || reset == ResetMode::ZeroAll) {
                continue; // snnTorch's Alpha has neither
            }
            let spec = LifSpec { reset, reset_delay, surrogate, state_quant, saved_state: SavedState::Full };
            let seed = 100 * k as u64;
            let case = Case { kind, spec, dtype: DType::F32, steps, batch: 1, features: neurons, seed };
            let grads_of = |fused: bool| {
                let x = tensor(uniform(steps * neurons, seed, -0.3, 1.2), [steps, neurons], DType::F32, &device).require_grad();
                let states: Vec<Tensor<2>> = layout
                    .states
                    .iter()
                    .enumerate()
                    .map(|(row, plane)| {
                        let values = match plane {
                            Plane::Spikes => uniform(neurons, seed + 10, 0.0, 1.0).iter().map(|u| (*u < 0.4) as u8 as f32).collect(),
                            Plane::Inhibitory => uniform(neurons, seed + 11, -1.0, 0.0),
                            _ => uniform(neurons, seed + 12 + row as u64, -0.2, 1.1),
                        };
                        tensor(values, [1, neurons], DType::F32, &device).require_grad()
                    })
                    .collect();
                let coeffs: Vec<Tensor<1>> = layout
                    .coefficients
                    .iter()
                    .enumerate()
                    .map(|(row, &c)| tensor(coefficient_values(&case, c, seed + 20 + row as u64), [neurons], DType::F32, &device).require_grad())
                    .collect();
                let planes = if fused {
                    let neuron = neuron_from_rows(kind, spec, &coeffs);
                    let state = state_from_rows(kind, &states);
                    let out = neuron_forward(x.clone(), Some(state), &neuron).expect("valid call");
                    layout.outputs.iter().map(|&p| out.plane(p).expect("written").clone()).collect()
                } else {
                    composite(kind, x.clone(), &states, &coeffs, spec)
                };
                let loss = planes.iter().enumerate().fold(Tensor::<2>::zeros([steps, neurons], &device), |acc, (k, plane)| {
                    acc + plane.clone() * tensor(uniform(steps * neurons, seed + 30 + k as u64, -1.0, 1.0), [steps, neurons], DType::F32, &device)
                });
                let grads = loss.sum().backward();
                // A leaf the form does not differentiate through (Alpha's initial membrane only
                // sets the detached first reset) has a zero gradient.
                let grad = |leaf: Tensor<2>| leaf.grad(&grads).map(values).unwrap_or_else(|| vec![0.0; leaf.dims().iter().product()]);
                let mut all = vec![planes.into_iter().flat_map(values).collect::<Vec<_>>(), grad(x)];
                all.extend(states.into_iter().map(grad));
                all.extend(coeffs.into_iter().map(|c| c.grad(&grads).map(values).unwrap_or_else(|| vec![0.0; neurons])));
                all
            };
            let (fused, reference) = (grads_of(true), grads_of(false));
            assert!(fused[1].iter().any(|g| *g != 0.0), "{kind:?} {spec:?}: gradients reach X");
            for (k, (a, b)) in fused.iter().zip(&reference).enumerate() {
                let scale = b.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                assert_close(a, b, 1e-4 * scale, 1e-4, &format!("{kind:?} {spec:?}: item {k} (outputs, dX, states, coefficients)"));
            }
        }
    }
}
