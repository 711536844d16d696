//! snnTorch's `Alpha` neuron on its fused kernels: golden traces transcribed from snnTorch's
//! code, GPU vs the CPU reference (f32 and f16, every reset mode, with and without state
//! quantization), the fused op vs a loop of single steps, gradients vs autodiff of the
//! composite form, a launch over more than 65,535 workgroups, and bad input.

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::ops::lif_composite::alpha_composite;
use burn_neuro::reference::{Storage, alpha as reference};
use burn_neuro::snn::AlphaConfig;
use burn_neuro::{LifSpec, Neuron, NeuronState, ResetMode, StateQuant, Surrogate, neuron_forward, neuron_step};
use kernels_tests::{assert_close, cpu, f16_or_skip, float_dtypes, gpu, tensor, to_f16_values, uniform, values};

fn neuron(reset: ResetMode, quant: Option<StateQuant>) -> Neuron {
    let mut neuron = Neuron::alpha(0.9, 0.8);
    neuron.spec = LifSpec { reset, reset_delay: true, surrogate: Surrogate::atan(), state_quant: quant, ..LifSpec::default() };
    neuron
}

/// snnTorch's `Alpha(alpha=0.9, beta=0.8)` driven by X = 1 for 12 steps from rest, computed in
/// float64 from a line-by-line transcription of `snntorch/_neurons/alpha.py` (τ_α = 1.894530).
const GOLDEN: [(ResetMode, [f32; 12], [f32; 12]); 3] = [
    (
        ResetMode::Zero,
        [0.0, 0.189453, 0.511523, 0.922636, 1.389638, 0.0, 0.0, 0.189453, 0.511523, 0.922636, 1.389638, 0.0],
        [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
    ),
    (
        ResetMode::Subtract,
        [0.0, 0.189453, 0.511523, 0.922636, 1.389638, -1.47406, 6.284216, 4.845248, 6.624785, 5.962306, 5.366076, 4.829468],
        [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    ),
    (
        ResetMode::None,
        [0.0, 0.189453, 0.511523, 0.922636, 1.389638, 1.88754, 2.397731, 2.906567, 3.404251, 3.883951, 4.34111, 4.772894],
        [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    ),
];

#[test]
fn golden_traces_match_snntorch_on_gpu_and_cpu() {
    for device in [gpu(), cpu()] {
        for (reset, membrane, spikes) in GOLDEN {
            let out = neuron_forward(Tensor::<2>::ones([12, 1], &device), None, &neuron(reset, None)).expect("valid");
            assert_close(&values(out.membrane), &membrane, 2e-6, 2e-6, &format!("membrane, {reset:?}"));
            assert_eq!(values(out.spikes), spikes, "spikes, {reset:?}");
        }
    }
    // The currents of the zero-reset trace: E = Σ 0.9^k, H = −Σ 0.8^k, both cleared after a spike.
    let out = neuron_forward(Tensor::<2>::ones([6, 1], &gpu()), None, &neuron(ResetMode::Zero, None)).expect("valid");
    assert_close(&values(out.excitatory.expect("E")), &[1.0, 1.9, 2.71, 3.439, 4.0951, 0.0], 1e-6, 1e-6, "E");
    assert_close(&values(out.inhibitory.expect("H")), &[-1.0, -1.8, -2.44, -2.952, -3.3616, 0.0], 1e-6, 1e-6, "H");
}

/// The default config is snnTorch's: zero reset, θ = 1, atan.
#[test]
fn defaults_follow_snntorch() {
    let layer = AlphaConfig::new(0.9, 0.8).init(&gpu()).expect("valid");
    assert_eq!(layer.spec.reset, ResetMode::Zero);
    assert!(layer.spec.reset_delay);
    assert_eq!(layer.spec.surrogate, Surrogate::atan());
    assert_eq!(values(layer.threshold.val()), vec![1.0]);
}

fn coarse() -> StateQuant {
    StateQuant::snntorch(4, 1.0, 0.0, 0.2).expect("valid")
}

fn compare_with_reference(device: &Device, reset: ResetMode, quant: Option<StateQuant>, dtype: DType, steps: usize, neurons: usize) {
    let round = |v: Vec<f32>| if dtype == DType::F16 { to_f16_values(&v) } else { v };
    let x = round(uniform(steps * neurons, 41, -0.3, 1.2));
    let (u0, e0, h0) = (round(uniform(neurons, 42, 0.0, 1.5)), round(uniform(neurons, 43, 0.0, 2.0)), round(uniform(neurons, 44, -1.5, 0.0)));
    let (a, b) = (uniform(neurons, 45, 0.85, 0.99), uniform(neurons, 46, 0.3, 0.8));
    let mut neuron = neuron(reset, quant);
    neuron.alpha = tensor(a.clone(), [neurons], DType::F32, device).into();
    neuron.beta = tensor(b.clone(), [neurons], DType::F32, device).into();
    neuron.threshold = 0.9.into();
    let state = NeuronState {
        membrane: tensor(u0.clone(), [1, neurons], dtype, device),
        synaptic: None,
        excitatory: Some(tensor(e0.clone(), [1, neurons], dtype, device)),
        inhibitory: Some(tensor(h0.clone(), [1, neurons], dtype, device)),
        spikes: None,
    };
    let out = neuron_forward(tensor(x.clone(), [steps, neurons], dtype, device), Some(state), &neuron).expect("valid");
    let expected = reference::alpha_forward(&reference::AlphaProblem {
        spec: neuron.spec,
        storage: if dtype == DType::F16 { Storage::F16 } else { Storage::F32 },
        num_steps: steps,
        num_neurons: neurons,
        input: &x,
        initial_membrane: &u0,
        initial_excitatory: &e0,
        initial_inhibitory: &h0,
        alpha: &a,
        beta: &b,
        theta: &[0.9],
    });
    let what = format!("{reset:?} quant={} {dtype:?} T={steps} N={neurons}", quant.is_some());
    // f16 stores, f32 arithmetic in both: the spikes agree exactly.
    assert_eq!(values(out.spikes), expected.spikes, "spikes, {what}");
    let (atol, rtol) = if dtype == DType::F16 { (2e-3, 1e-3) } else { (1e-5, 1e-6) };
    assert_close(&values(out.membrane), &expected.membrane, atol, rtol, &format!("membrane, {what}"));
    assert_close(&values(out.excitatory.expect("E")), &expected.excitatory, atol, rtol, &format!("excitatory, {what}"));
    assert_close(&values(out.inhibitory.expect("H")), &expected.inhibitory, atol, rtol, &format!("inhibitory, {what}"));
}

#[test]
fn gpu_matches_reference_for_every_reset_mode_dtype_and_quantizer() {
    let device = gpu();
    for reset in [ResetMode::Zero, ResetMode::Subtract, ResetMode::None] {
        for quant in [None, Some(coarse())] {
            for dtype in float_dtypes(&device) {
                compare_with_reference(&device, reset, quant, dtype, 7, 1);
                compare_with_reference(&device, reset, quant, dtype, 9, 999);
            }
        }
    }
    compare_with_reference(&cpu(), ResetMode::Subtract, Some(coarse()), DType::F32, 5, 33);
}

#[test]
fn fused_equals_a_loop_of_single_steps() {
    let device = gpu();
    let (steps, batch, features) = (8, 3, 50);
    let x = tensor(uniform(steps * batch * features, 51, -0.2, 1.0), [steps, batch, features], DType::F32, &device);
    for reset in [ResetMode::Zero, ResetMode::Subtract, ResetMode::None] {
        let mut neuron = neuron(reset, Some(StateQuant::snntorch_default()));
        // Per-feature parameters broadcast over the batch in both forms.
        neuron.alpha = tensor(uniform(features, 52, 0.85, 0.95), [features], DType::F32, &device).into();
        neuron.threshold = tensor(uniform(features, 53, 0.5, 1.0), [features], DType::F32, &device).into();
        let fused = neuron_forward(x.clone(), None, &neuron).expect("valid");
        let mut state: Option<NeuronState<2>> = None;
        let mut membranes = Vec::new();
        let mut spikes = Vec::new();
        for t in 0..steps {
            let out = neuron_step(x.clone().slice([t..t + 1]).reshape([batch, features]), state, &neuron).expect("valid");
            membranes.push(out.membrane.clone());
            spikes.push(out.spikes);
            state =
                Some(NeuronState { membrane: out.membrane, synaptic: None, excitatory: out.excitatory, inhibitory: out.inhibitory, spikes: None });
        }
        assert_eq!(values(fused.membrane), values(Tensor::stack::<3>(membranes, 0)), "membrane, {reset:?}");
        assert_eq!(values(fused.spikes), values(Tensor::stack::<3>(spikes, 0)), "spikes, {reset:?}");
    }
}

/// dL/dX, dL/d(initial E, H), dL/dα, dL/dβ, dL/dθ through the fused kernels or autodiff of the
/// composite form (snnTorch's code as tensor ops).
fn gradients(device: &Device, reset: ResetMode, quant: Option<StateQuant>, fused: bool) -> Vec<Vec<f32>> {
    let (steps, neurons) = (14, 41);
    let f32_tensor = |len: usize, seed, lo, hi, shape: Vec<usize>| {
        Tensor::<2>::from_data(burn::tensor::TensorData::new(uniform(len, seed, lo, hi), shape), device)
    };
    let input = f32_tensor(steps * neurons, 61, -0.3, 1.0, vec![steps, neurons]).require_grad();
    let u0 = f32_tensor(neurons, 62, 0.0, 1.5, vec![1, neurons]);
    let e0 = f32_tensor(neurons, 63, 0.0, 2.0, vec![1, neurons]).require_grad();
    let h0 = f32_tensor(neurons, 64, -1.5, 0.0, vec![1, neurons]).require_grad();
    let row = |seed, lo, hi| tensor(uniform(neurons, seed, lo, hi), [neurons], DType::F32, device).require_grad();
    let (a, b, theta) = (row(65, 0.85, 0.97), row(66, 0.3, 0.8), row(67, 0.6, 1.1));
    let w = |seed| f32_tensor(steps * neurons, seed, -1.0, 1.0, vec![steps, neurons]);
    let (s, u, e, h) = if fused {
        let mut neuron = neuron(reset, quant);
        neuron.alpha = a.clone().into();
        neuron.beta = b.clone().into();
        neuron.threshold = theta.clone().into();
        let state = NeuronState { membrane: u0.clone(), synaptic: None, excitatory: Some(e0.clone()), inhibitory: Some(h0.clone()), spikes: None };
        let out = neuron_forward(input.clone(), Some(state), &neuron).expect("valid");
        (out.spikes, out.membrane, out.excitatory.expect("E"), out.inhibitory.expect("H"))
    } else {
        let spec = LifSpec { reset, reset_delay: true, surrogate: Surrogate::atan(), state_quant: quant, ..LifSpec::default() };
        alpha_composite(input.clone(), u0.clone(), e0.clone(), h0.clone(), a.clone(), b.clone(), theta.clone(), spec)
    };
    let outputs = [s.clone(), u.clone(), e.clone(), h.clone()].map(values);
    let grads = (s * w(71) + u * w(72) + e * w(73) + h * w(74)).sum().backward();
    let mut all = outputs.to_vec();
    all.extend([
        values(input.grad(&grads).expect("dX")),
        values(e0.grad(&grads).expect("dE0")),
        values(h0.grad(&grads).expect("dH0")),
        values(a.grad(&grads).expect("dα")),
        values(b.grad(&grads).expect("dβ")),
        values(theta.grad(&grads).expect("dθ")),
    ]);
    all
}

#[test]
fn fused_gradients_equal_autodiff_of_the_composite_form() {
    for device in [gpu().autodiff(), cpu().autodiff()] {
        for reset in [ResetMode::Zero, ResetMode::Subtract, ResetMode::None] {
            for quant in [None, Some(coarse())] {
                let (fused, composite) = (gradients(&device, reset, quant, true), gradients(&device, reset, quant, false));
                let names = ["S", "U", "E", "H", "dX", "dE0", "dH0", "dalpha", "dbeta", "dtheta"];
                // The forward planes against the per-op form to 1e-6 (its spike is H + φ − φ,
                // one f32 rounding off 1), then the gradients.
                for (name, (f, c)) in names.iter().zip(fused.iter().zip(&composite)).take(4) {
                    assert_close(f, c, 1e-6, 1e-6, &format!("{name}, {reset:?} quant={}", quant.is_some()));
                }
                for (name, (f, c)) in names.iter().zip(fused.iter().zip(&composite)).skip(4) {
                    let scale = c.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                    assert_close(f, c, 1e-5 * scale, 1e-5, &format!("{name}, {reset:?} quant={}", quant.is_some()));
                }
            }
        }
    }
}

#[test]
fn more_than_65535_workgroups_forward_and_backward() {
    // 65,536 workgroups of 256 (the 2-D grid fold); f16 keeps the four stacked planes under a
    // 128 MiB binding. One step from rest: E = X, H = −X, U = τ·(X − X) = 0, no spike.
    let device = gpu().autodiff();
    if !f16_or_skip(&device, "f16 alpha over 65,535 workgroups") {
        return;
    }
    let neurons = 65_535 * 256 + 1;
    let x = to_f16_values(&(0..neurons).map(|i| (i % 1000) as f32 / 250.0).collect::<Vec<_>>());
    let input = tensor(x.clone(), [1, neurons], DType::F16, &device).require_grad();
    let out = neuron_forward(input.clone(), None, &Neuron::alpha(0.9, 0.8)).expect("valid");
    assert_eq!(values(out.excitatory.clone().expect("E")), x);
    assert_eq!(values(out.inhibitory.clone().expect("H")), x.iter().map(|v| -v).collect::<Vec<_>>());
    assert!(values(out.membrane.clone()).iter().all(|u| *u == 0.0));
    // dL/dX = dL/dE − dL/dH = 1 − 2 (the membrane's share enters E and H equally).
    let grads = (out.spikes + out.membrane * 3.0 + out.excitatory.expect("E") + out.inhibitory.expect("H") * 2.0).sum().backward();
    let got = values(input.grad(&grads).expect("dX"));
    assert!(got.iter().all(|g| *g == -1.0), "dL/dX = -1 everywhere");
}

#[test]
fn bad_input_is_a_clear_error() {
    let device = gpu();
    let x = Tensor::<2>::ones([4, 3], &device);
    let err = |neuron: &Neuron| neuron_forward(x.clone(), None, neuron).unwrap_err().to_string();
    let mut n = Neuron::alpha(0.9, 0.8);
    n.spec.reset_delay = false;
    assert!(err(&n).contains("reset_delay"), "{}", err(&n));
    let mut n = Neuron::alpha(0.9, 0.8);
    n.spec.reset = ResetMode::ZeroAll;
    assert!(err(&n).contains("reset"), "{}", err(&n));
    let e = err(&Neuron::alpha(0.8, 0.9));
    assert!(e.contains("alpha") && e.contains("greater than beta"), "{e}");
    let e = err(&Neuron::alpha(1.0, 1.0));
    assert!(e.contains("alpha"), "{e}");
    let e = err(&Neuron::alpha(1.5, 0.8));
    assert!(e.contains("alpha") && e.contains("[0, 1]"), "{e}");
    let bad_state = NeuronState {
        membrane: Tensor::zeros([1, 3], &device),
        synaptic: None,
        excitatory: Some(Tensor::zeros([1, 3], &device)),
        inhibitory: Some(Tensor::zeros([1, 2], &device)),
        spikes: None,
    };
    let e = neuron_forward(x.clone(), Some(bad_state), &Neuron::alpha(0.9, 0.8)).unwrap_err().to_string();
    assert!(e.contains("initial_inhibitory"), "{e}");
    let e = AlphaConfig::new(0.7, 0.8).init(&device).unwrap_err().to_string();
    assert!(e.contains("greater than beta"), "{e}");
    let e = AlphaConfig::new(1.0, 1.0).init(&device).unwrap_err().to_string();
    assert!(e.contains("alpha"), "{e}");
}

#[test]
fn module_learns_alpha_beta_threshold_and_runs_on_cpu() {
    // Per-neuron learnable parameters get gradients, and the CPU backend gives the GPU's numbers.
    let run = |device: Device| {
        let layer = AlphaConfig::new(0.9, 0.7)
            .with_learn_alpha(true)
            .with_learn_beta(true)
            .with_learn_threshold(true)
            .with_neurons(Some(5))
            .with_graded_spikes_factor(2.0)
            .init(&device)
            .expect("valid");
        let x = tensor(uniform(6 * 2 * 5, 81, 0.0, 1.5), [6, 2, 5], DType::F32, &device);
        let out = layer.try_forward(x, None).expect("valid");
        assert!(values(out.spikes.clone()).iter().all(|s| *s == 0.0 || *s == 2.0), "graded spikes");
        let grads = (out.spikes + out.membrane).sum().backward();
        [layer.alpha.val(), layer.beta.val(), layer.threshold.val()].map(|p| values(p.grad(&grads).expect("learnable")))
    };
    let (gpu_grads, cpu_grads) = (run(gpu().autodiff()), run(cpu().autodiff()));
    for (g, c) in gpu_grads.iter().zip(&cpu_grads) {
        assert!(g.iter().any(|v| *v != 0.0), "a gradient reaches every parameter");
        assert_close(g, c, 1e-5, 1e-5, "GPU and CPU gradients");
    }
}

/// A loop of f16 single steps rounds every state to f16 between calls ("f16 per op"): it
/// matches the reference run one step at a time with its outputs fed back, spike for spike.
#[test]
fn f16_steps_match_per_step_f16_emulation() {
    let device = gpu();
    if !f16_or_skip(&device, "f16 alpha steps") {
        return;
    }
    let (steps, neurons) = (16, 500);
    let x = to_f16_values(&uniform(steps * neurons, 91, -0.2, 1.4));
    let neuron = neuron(ResetMode::Zero, None);
    let (mut membrane, mut excitatory, mut inhibitory) = (vec![0.0; neurons], vec![0.0; neurons], vec![0.0; neurons]);
    let mut state: Option<NeuronState<1>> = None;
    let mut fired = 0.0;
    for t in 0..steps {
        let input = x[t * neurons..(t + 1) * neurons].to_vec();
        let out = neuron_step(tensor(input.clone(), [neurons], DType::F16, &device), state, &neuron).expect("valid");
        let expected = reference::alpha_forward(&reference::AlphaProblem {
            spec: neuron.spec,
            storage: Storage::F16,
            num_steps: 1,
            num_neurons: neurons,
            input: &input,
            initial_membrane: &membrane,
            initial_excitatory: &excitatory,
            initial_inhibitory: &inhibitory,
            alpha: &[0.9],
            beta: &[0.8],
            theta: &[1.0],
        });
        let spikes = values(out.spikes.clone());
        assert_eq!(spikes, expected.spikes, "step {t}");
        fired += spikes.iter().sum::<f32>();
        assert_close(&values(out.membrane.clone()), &expected.membrane, 1e-3, 1e-3, &format!("membrane, step {t}"));
        (membrane, excitatory, inhibitory) = (expected.membrane, expected.excitatory, expected.inhibitory);
        state = Some(NeuronState { membrane: out.membrane, synaptic: None, excitatory: out.excitatory, inhibitory: out.inhibitory, spikes: None });
    }
    assert!(fired > 0.0, "the layer fires");
}
