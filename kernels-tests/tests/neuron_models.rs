//! Neuron models beyond `Leaky` on the fused kernels: snnTorch's `Synaptic` (a per-op trace,
//! GPU vs reference, the step loop vs the fused run, gradients vs autodiff of the composite
//! form, the module) and `Lapicque`.

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::ops::lif_composite::synaptic_composite;
use burn_neuro::reference::{Storage, lif as reference};
use burn_neuro::{LifSpec, Neuron, NeuronState, ResetMode, Surrogate, neuron_forward, neuron_step};
use kernels_tests::{assert_close, cpu, float_dtypes, gpu, tensor, to_f16_values, uniform, values};

fn spec(reset: ResetMode, reset_delay: bool, surrogate: Surrogate) -> LifSpec {
    LifSpec { reset, reset_delay, surrogate, state_quant: None, ..LifSpec::default() }
}

/// snnTorch's per-step equations in f64: I = αI + X; U = βU + I − Rθ (subtract, delayed).
fn host_trace(alpha: f64, beta: f64, x: f64, steps: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (mut i, mut u) = (0.0f64, 0.0f64);
    let (mut is, mut us, mut ss) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..steps {
        let reset = if u > 1.0 { 1.0 } else { 0.0 };
        i = alpha * i + x;
        u = beta * u + i - reset;
        is.push(i as f32);
        us.push(u as f32);
        ss.push(if u > 1.0 { 1.0 } else { 0.0 });
    }
    (is, us, ss)
}

#[test]
fn trace_matches_snntorch_equations_on_gpu_and_cpu() {
    let (currents, membranes, spikes) = host_trace(0.8, 0.9, 0.2, 16);
    assert!(spikes.contains(&1.0), "the trace fires");
    for device in [gpu(), cpu()] {
        let out = neuron_forward(tensor(vec![0.2; 16], [16, 1], DType::F32, &device), None, &Neuron::synaptic(0.8, 0.9)).expect("valid");
        assert_close(&values(out.synaptic.expect("I")), &currents, 1e-6, 1e-6, "current");
        assert_close(&values(out.membrane), &membranes, 1e-6, 1e-6, "membrane");
        assert_eq!(values(out.spikes), spikes, "spikes on {device:?}");
    }
}

fn compare_with_reference(device: &Device, spec: LifSpec, dtype: DType) {
    let (steps, neurons) = (9, 333);
    let round = |v: Vec<f32>| if dtype == DType::F16 { to_f16_values(&v) } else { v };
    let x = round(uniform(steps * neurons, 1, -0.3, 0.6));
    let u0 = round(uniform(neurons, 2, -0.5, 1.5));
    let i0 = round(uniform(neurons, 3, -0.2, 0.4));
    let alpha = uniform(neurons, 4, 0.3, 1.0);
    let neuron = Neuron::synaptic(tensor(alpha.clone(), [neurons], DType::F32, device), 0.85).with_threshold(0.9).with_spec(spec);
    let state = NeuronState {
        membrane: tensor(u0.clone(), [1, neurons], dtype, device),
        synaptic: Some(tensor(i0.clone(), [1, neurons], dtype, device)),
        excitatory: None,
        inhibitory: None,
        spikes: None,
    };
    let out = neuron_forward(tensor(x.clone(), [steps, neurons], dtype, device), Some(state), &neuron).expect("valid");
    let storage = if dtype == DType::F16 { Storage::F16 } else { Storage::F32 };
    let expected = reference::lif_forward(&reference::LifProblem {
        spec,
        storage,
        num_steps: steps,
        num_neurons: neurons,
        input: &x,
        initial: &u0,
        beta: &[0.85],
        theta: &[0.9],
        synaptic: Some(reference::SynapticState { alpha: &alpha, initial: &i0 }),
        recurrent: None,
    });
    let what = format!("{spec:?} {dtype:?}");
    let (atol, rtol) = if dtype == DType::F16 { (1e-3, 1e-3) } else { (1e-6, 1e-6) };
    assert_eq!(values(out.spikes), expected.spikes, "spikes, {what}");
    assert_close(&values(out.membrane), &expected.membrane, atol, rtol, &format!("membrane, {what}"));
    assert_close(&values(out.synaptic.expect("I")), &expected.synaptic, atol, rtol, &format!("current, {what}"));
}

#[test]
fn gpu_matches_reference_for_every_reset_mode_and_dtype() {
    let device = gpu();
    for reset in [ResetMode::Subtract, ResetMode::Zero, ResetMode::None, ResetMode::ZeroAll] {
        for delay in [true, false] {
            for dtype in float_dtypes(&device) {
                compare_with_reference(&device, spec(reset, delay, Surrogate::atan()), dtype);
            }
        }
    }
}

#[test]
fn step_loop_equals_the_fused_run() {
    let device = gpu();
    let neuron = Neuron::synaptic(0.7, 0.9);
    let x = uniform(10 * 50, 9, -0.2, 0.8);
    let fused = neuron_forward(tensor(x.clone(), [10, 50], DType::F32, &device), None, &neuron).expect("valid");
    let mut state: Option<NeuronState<1>> = None;
    let mut spikes = Vec::new();
    for t in 0..10 {
        let out = neuron_step(tensor(x[t * 50..(t + 1) * 50].to_vec(), [50], DType::F32, &device), state, &neuron).expect("valid");
        spikes.extend(values(out.spikes.clone()));
        state = Some(NeuronState { membrane: out.membrane, synaptic: out.synaptic, excitatory: None, inhibitory: None, spikes: None });
    }
    assert_eq!(spikes, values(fused.spikes), "f32 state round-trips exactly between steps");
}

/// Gradients of a weighted loss on S, U and I w.r.t. X, both initial states, α, β and θ.
fn gradients(device: &Device, spec: LifSpec, steps: usize, fused: bool) -> Vec<Vec<f32>> {
    let neurons = 23;
    let seed = steps as u64;
    let t = |values: Vec<f32>, shape: [usize; 2]| tensor(values, shape, DType::F32, device).require_grad();
    let x = t(uniform(steps * neurons, seed, -0.4, 0.9), [steps, neurons]);
    let u0 = t(uniform(neurons, seed + 1, -0.5, 1.2), [1, neurons]);
    let i0 = t(uniform(neurons, seed + 2, -0.2, 0.4), [1, neurons]);
    let p = |values: Vec<f32>| tensor(values, [neurons], DType::F32, device).require_grad();
    let alpha = p(uniform(neurons, seed + 3, 0.3, 0.95));
    let beta = p(uniform(neurons, seed + 4, 0.3, 0.95));
    let theta = p(uniform(neurons, seed + 5, 0.6, 1.2));
    let w = |k: u64| tensor(uniform(steps * neurons, seed + k, -1.0, 1.0), [steps, neurons], DType::F32, device);
    let (s, u, i) = if fused {
        let neuron = Neuron::synaptic(alpha.clone(), beta.clone()).with_threshold(theta.clone()).with_spec(spec);
        let out = neuron_forward(
            x.clone(),
            Some(NeuronState { membrane: u0.clone(), synaptic: Some(i0.clone()), excitatory: None, inhibitory: None, spikes: None }),
            &neuron,
        )
        .expect("valid");
        (out.spikes, out.membrane, out.synaptic.expect("I"))
    } else {
        synaptic_composite(x.clone(), u0.clone(), i0.clone(), alpha.clone(), beta.clone(), theta.clone(), spec)
    };
    let grads = (s * w(6) + u * w(7) + i * w(8)).sum().backward();
    vec![
        values(x.grad(&grads).expect("dX")),
        values(u0.grad(&grads).expect("dU0")),
        values(i0.grad(&grads).expect("dI0")),
        values(alpha.grad(&grads).expect("dα")),
        values(beta.grad(&grads).expect("dβ")),
        values(theta.grad(&grads).expect("dθ")),
    ]
}

#[test]
fn fused_backward_equals_autodiff_of_the_composite_synaptic() {
    for device in [gpu().autodiff(), cpu().autodiff()] {
        for steps in [1, 2, 25] {
            for reset in [ResetMode::Subtract, ResetMode::Zero, ResetMode::None, ResetMode::ZeroAll] {
                for delay in [true, false] {
                    let spec = spec(reset, delay, Surrogate::fast_sigmoid());
                    let fused = gradients(&device, spec, steps, true);
                    let plain = gradients(&device, spec, steps, false);
                    for (name, (f, p)) in ["X", "U0", "I0", "alpha", "beta", "theta"].iter().zip(fused.iter().zip(&plain)) {
                        let scale = p.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                        assert_close(f, p, 1e-5 * scale, 1e-5, &format!("dL/d{name}, T={steps} {spec:?} on {device:?}"));
                    }
                }
            }
        }
    }
}

#[test]
fn bad_alpha_and_state_shapes_are_rejected() {
    let device = gpu();
    let x = tensor(vec![0.1; 6], [2, 3], DType::F32, &device);
    let err = neuron_forward(x.clone(), None, &Neuron::synaptic(1.5, 0.9)).unwrap_err();
    assert!(err.to_string().contains("`alpha`"), "{err}");
    let bad = NeuronState {
        membrane: Tensor::zeros([1, 3], &device),
        synaptic: Some(Tensor::zeros([1, 2], &device)),
        excitatory: None,
        inhibitory: None,
        spikes: None,
    };
    let err = neuron_forward(x, Some(bad), &Neuron::synaptic(0.5, 0.9)).unwrap_err();
    assert!(err.to_string().contains("`initial_synaptic`"), "{err}");
}

#[test]
fn synaptic_module_learns_alpha_next_to_linear() {
    use burn::module::Module;
    use burn::nn::LinearConfig;
    use burn_neuro::snn::SynapticConfig;
    let device = gpu().autodiff();
    let layer = SynapticConfig::new(0.6, 0.9).with_learn_alpha(true).with_neurons(Some(8)).init(&device).expect("valid");
    let linear = LinearConfig::new(5, 8).init(&device);
    let x = tensor(uniform(6 * 2 * 5, 20, 0.0, 1.0), [6, 2, 5], DType::F32, &device);
    let out = layer.try_forward(linear.forward(x), None).expect("valid");
    let grads = out.membrane.sum().backward();
    let d_alpha = values(layer.alpha.grad(&grads).expect("α learns"));
    assert_eq!(d_alpha.len(), 8);
    assert!(d_alpha.iter().any(|g| *g != 0.0));
    assert!(layer.beta.grad(&grads).is_none(), "β is fixed");
    assert_eq!(layer.num_params(), 24);
    assert!(SynapticConfig::new(1.2, 0.9).init(&device).is_err());
}

#[test]
fn lapicque_follows_the_rc_equation_and_zeroes_exactly() {
    use burn_neuro::ops::lapicque::{LapicqueNeuron, lapicque};
    let device = gpu();
    // R = 2, C = 3, Δt = 1.5: decay 0.75, input scale 0.5; constant input 1.2.
    let mut neuron = LapicqueNeuron::new(2.0, 3.0);
    neuron.time_step = 1.5;
    for (reset, zero) in [(ResetMode::Subtract, false), (ResetMode::Zero, true)] {
        neuron.spec.reset = reset;
        let out = lapicque(tensor(vec![1.2; 10], [10, 1], DType::F32, &device), None, &neuron).expect("valid");
        let (mut u, mut expected) = (0.0f64, Vec::new());
        for _ in 0..10 {
            let r = if u > 1.0 { 1.0 } else { 0.0 };
            u = if zero { (1.0 - r) * (0.75 * u + 0.6) } else { 0.75 * u + 0.6 - r };
            expected.push(u as f32);
        }
        assert_close(&values(out.membrane), &expected, 1e-6, 1e-6, &format!("{reset:?}"));
        if zero {
            assert!(expected.contains(&0.0), "a reset step ends at exactly 0");
        }
    }
    assert!((LapicqueNeuron::from_beta(0.9).coefficients().expect("valid").0 - 0.9).abs() < 1e-6);
    let mut bad = LapicqueNeuron::new(1.0, 1.0);
    bad.time_step = 2.0;
    let err = lapicque(tensor(vec![0.0; 2], [2, 1], DType::F32, &device), None, &bad).unwrap_err();
    assert!(err.to_string().contains("time_step"), "{err}");
}

#[test]
fn graded_spikes_scale_the_output_but_not_the_reset() {
    use burn_neuro::snn::{LeakyConfig, SynapticConfig};
    let device = gpu().autodiff();
    let x = || tensor(uniform(12 * 40, 30, 0.0, 0.8), [12, 2, 20], DType::F32, &device);
    let plain = LeakyConfig::new(0.9).init(&device).expect("valid");
    assert!(plain.graded_spikes.is_none(), "a fixed factor of 1 launches nothing");
    let graded = LeakyConfig::new(0.9).with_graded_spikes_factor(0.5).with_learn_graded_spikes(true).init(&device).expect("valid");
    let (binary, scaled) = (plain.try_forward(x(), None).expect("valid"), graded.try_forward(x(), None).expect("valid"));
    let binary_spikes = values(binary.spikes);
    let count: f32 = binary_spikes.iter().sum();
    assert!(count > 0.0, "the layer fires");
    assert_eq!(values(scaled.spikes.clone()), binary_spikes.iter().map(|s| s * 0.5).collect::<Vec<_>>());
    assert_eq!(values(scaled.membrane), values(binary.membrane), "the reset uses the binary spike");
    // d(Σ spikes)/d(factor) is the spike count.
    let grads = scaled.spikes.sum().backward();
    let d_factor = values(graded.graded_spikes.as_ref().expect("learnable").grad(&grads).expect("factor learns"));
    assert_eq!(d_factor, vec![count]);
    // The single-step form and the synaptic neuron grade the same way.
    let step = graded.try_step(x().slice([0..1]), None).expect("valid");
    assert_eq!(
        values(step.spikes),
        values(plain.try_step(x().slice([0..1]), None).expect("valid").spikes).iter().map(|s| s * 0.5).collect::<Vec<_>>()
    );
    let synaptic = SynapticConfig::new(0.5, 0.9).with_graded_spikes_factor(2.0).init(&device).expect("valid");
    let binary = SynapticConfig::new(0.5, 0.9).init(&device).expect("valid");
    assert_eq!(
        values(synaptic.try_forward(x(), None).expect("valid").spikes),
        values(binary.try_forward(x(), None).expect("valid").spikes).iter().map(|s| s * 2.0).collect::<Vec<_>>()
    );
    assert!(LeakyConfig::new(0.9).with_graded_spikes_factor(f32::NAN).init(&device).is_err());
}

#[test]
fn lapicque_module_matches_the_op_and_learns_its_threshold() {
    use burn_neuro::ops::lapicque::{LapicqueNeuron, lapicque};
    use burn_neuro::snn::LapicqueConfig;
    let device = gpu().autodiff();
    let x = || tensor(uniform(9 * 20, 50, 0.0, 1.5), [9, 1, 20], DType::F32, &device);
    let layer =
        LapicqueConfig::new(2.0, 3.0).with_time_step(1.5).with_reset(ResetMode::Zero).with_learn_threshold(true).init(&device).expect("valid");
    let mut neuron = LapicqueNeuron::new(2.0, 3.0);
    neuron.time_step = 1.5;
    neuron.spec.reset = ResetMode::Zero;
    let (module, op) = (layer.try_forward(x(), None).expect("valid"), lapicque(x(), None, &neuron).expect("valid"));
    assert_eq!(values(module.spikes.clone()), values(op.spikes));
    assert_eq!(values(module.membrane.clone()), values(op.membrane));
    let grads = module.membrane.sum().backward();
    assert!(layer.threshold.grad(&grads).is_some(), "θ learns");
    let step = layer.try_step(x().slice([0..1]), None).expect("valid");
    assert_eq!(values(step.membrane), values(layer.try_forward(x(), None).expect("valid").membrane.slice([0..1])));
    let beta = LapicqueConfig::from_beta(0.9);
    assert!((beta.c - 10.0).abs() < 1e-4);
    let err = LapicqueConfig::new(1.0, 1.0).with_time_step(2.0).init(&device).unwrap_err();
    assert!(err.to_string().contains("time_step"), "{err}");
    // One learnable θ per neuron: each gets its own gradient.
    let per_neuron = LapicqueConfig::new(2.0, 3.0).with_neurons(Some(20)).with_learn_threshold(true).init(&device).expect("valid");
    let grads = per_neuron.try_forward(x(), None).expect("valid").membrane.sum().backward();
    let d_theta = values(per_neuron.threshold.grad(&grads).expect("θ learns"));
    assert_eq!(d_theta.len(), 20);
    assert!(LapicqueConfig::new(2.0, 3.0).with_neurons(Some(0)).init(&device).is_err());
}

#[test]
fn per_feature_parameters_work_in_the_step_form_of_a_batched_input() {
    use burn_neuro::snn::LeakyConfig;
    let device = gpu().autodiff();
    let x = || tensor(uniform(4 * 3 * 7, 60, 0.0, 1.2), [4, 3, 7], DType::F32, &device);
    let betas: Vec<f32> = (0..7).map(|k| 0.3 + 0.1 * k as f32).collect();
    let layer = LeakyConfig::new(0.9).with_beta_per_neuron(Some(betas)).with_learn_beta(true).init(&device).expect("valid");
    let fused = layer.try_forward(x(), None).expect("valid");
    let mut membrane = None;
    let mut stepped = Vec::new();
    for t in 0..4 {
        let out = layer.try_step(x().slice([t..t + 1]), membrane).expect("per-feature β on a [1, 3, 7] step");
        stepped.extend(values(out.membrane.clone()));
        membrane = Some(out.membrane);
    }
    assert_close(&stepped, &values(fused.membrane), 1e-6, 1e-6, "step loop vs fused, per-feature β");
    let grads = layer.try_step(x().slice([0..1]), None).expect("valid").membrane.sum().backward();
    assert_eq!(values(layer.beta.grad(&grads).expect("β learns")).len(), 7);
    let bad = LeakyConfig::new(0.9).with_beta_per_neuron(Some(vec![0.5; 5])).init(&device).expect("valid");
    let err = bad.try_step(x().slice([0..1]), None).unwrap_err();
    assert!(err.to_string().contains("beta"), "{err}");
}
