//! snnTorch's `state_quant` in the fused kernels: the quantizer itself, GPU vs reference for
//! every reset mode and dtype, and straight-through gradients equal to autodiff of the
//! composite form.

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::ops::lif_composite::lif_composite;
use burn_neuro::reference::{Storage, lif as reference};
use burn_neuro::snn::LeakyConfig;
use burn_neuro::{LifSpec, Neuron, NeuronState, ResetMode, StateQuant, Surrogate, lif, neuron_forward};
use kernels_tests::{assert_close, gpu, tensor, to_f16_values, uniform, values};

/// 4 bits: coarse enough that every membrane moves.
fn coarse() -> StateQuant {
    StateQuant::snntorch(4, 1.0, 0.0, 0.2).expect("valid")
}

fn spec(reset: ResetMode, reset_delay: bool) -> LifSpec {
    LifSpec { reset, reset_delay, surrogate: Surrogate::atan(), state_quant: Some(coarse()), ..LifSpec::default() }
}

#[test]
fn quantizer_picks_the_nearest_level_with_ties_to_the_lower() {
    let q = StateQuant::snntorch_default();
    assert_eq!((q.levels, q.lower, q.upper), (256, -1.0, 1.2), "snnTorch's defaults");
    assert_eq!(StateQuant::snntorch(8, 1.0, 0.0, 0.2).expect("valid"), q);
    let (step, _) = q.step();
    assert_eq!(q.apply(-7.0), -1.0, "below the range: the lowest level");
    assert!((q.apply(9.0) - 1.2).abs() < 1e-6, "above the range: the highest level");
    assert_eq!(q.apply(-1.0 + 0.5 * step), -1.0, "a tie goes to the lower level");
    assert!(q.apply(f32::NAN).is_nan());
    let levels: Vec<f32> = (0..256).map(|k| -1.0 + k as f32 * step).collect();
    for v in uniform(2000, 9, -1.1, 1.3) {
        let got = q.apply(v);
        let best = levels.iter().map(|l| (l - v).abs()).fold(f32::INFINITY, f32::min);
        assert!((got - v).abs() <= best + 1e-6, "{v} → {got}, nearest is {best} away");
    }
    assert!(StateQuant::snntorch(0, 1.0, 0.0, 0.2).is_err());
    assert!(StateQuant { levels: 16, lower: 1.0, upper: 1.0 }.validate().is_err());
    let err = LeakyConfig::new(0.9).with_state_quant(Some(StateQuant { levels: 1, lower: -1.0, upper: 1.0 })).init(&gpu()).unwrap_err();
    assert!(err.to_string().contains("state_quant.levels"), "{err}");
}

fn compare_with_reference(device: &Device, spec: LifSpec, dtype: DType, steps: usize, neurons: usize) {
    let round = |v: Vec<f32>| if dtype == DType::F16 { to_f16_values(&v) } else { v };
    let x = round(uniform(steps * neurons, 3, -0.3, 0.9));
    let initial = round(uniform(neurons, 4, -0.5, 1.5));
    let beta = uniform(neurons, 5, 0.5, 1.0);
    let neuron = Neuron::leaky(tensor(beta.clone(), [neurons], DType::F32, device)).with_threshold(0.8).with_spec(spec);
    let out =
        lif(tensor(x.clone(), [steps, neurons], dtype, device), Some(tensor(initial.clone(), [1, neurons], dtype, device)), &neuron).expect("valid");
    let expected = reference::lif_forward(&reference::LifProblem {
        spec,
        storage: if dtype == DType::F16 { Storage::F16 } else { Storage::F32 },
        num_steps: steps,
        num_neurons: neurons,
        input: &x,
        initial: &initial,
        beta: &beta,
        theta: &[0.8],
        synaptic: None,
        recurrent: None,
    });
    let what = format!("{spec:?} {dtype:?} T={steps} N={neurons}");
    assert_eq!(values(out.spikes), expected.spikes, "spikes, {what}");
    let membrane = values(out.membrane);
    let (atol, rtol) = if dtype == DType::F16 { (1e-3, 1e-3) } else { (1e-6, 1e-6) };
    assert_close(&membrane, &expected.membrane, atol, rtol, &format!("membrane, {what}"));
    if spec.reset_delay {
        // The stored (pre-reset) membrane is on the level grid.
        let q = coarse();
        for u in &membrane {
            assert!((q.apply(*u) - u).abs() <= atol, "{u} is off the grid, {what}");
        }
    }
}

#[test]
fn gpu_matches_reference_for_every_reset_mode_and_dtype() {
    let device = gpu();
    for reset in [ResetMode::Subtract, ResetMode::Zero, ResetMode::None, ResetMode::ZeroAll] {
        for delay in [true, false] {
            for dtype in [DType::F32, DType::F16] {
                compare_with_reference(&device, spec(reset, delay), dtype, 6, 1);
                compare_with_reference(&device, spec(reset, delay), dtype, 9, 999);
            }
        }
    }
}

#[test]
fn quantization_changes_the_trace() {
    // Guards the tests above: with the quantizer off the membranes differ.
    let device = gpu();
    let x = tensor(uniform(8 * 50, 6, 0.0, 0.5), [8, 50], DType::F32, &device);
    let run = |quant| {
        values(
            lif(x.clone(), None, &Neuron::leaky(0.9).with_spec(LifSpec { state_quant: quant, ..LifSpec::snntorch_default() }))
                .expect("valid")
                .membrane,
        )
    };
    assert_ne!(run(Some(coarse())), run(None));
}

/// dL/dX, dL/dU0, dL/dβ, dL/dθ through the fused kernels or autodiff of the composite form.
fn gradients(device: &Device, spec: LifSpec, fused: bool) -> Vec<Vec<f32>> {
    let (steps, neurons) = (12, 37);
    let input = tensor(uniform(steps * neurons, 11, -0.4, 1.0), [steps, neurons], DType::F32, device).require_grad();
    let initial = tensor(uniform(neurons, 12, -0.5, 1.2), [1, neurons], DType::F32, device).require_grad();
    let beta = tensor(uniform(neurons, 13, 0.3, 1.0), [neurons], DType::F32, device).require_grad();
    let theta = tensor(uniform(neurons, 14, 0.6, 1.1), [neurons], DType::F32, device).require_grad();
    let ws = tensor(uniform(steps * neurons, 15, -1.0, 1.0), [steps, neurons], DType::F32, device);
    let wm = tensor(uniform(steps * neurons, 16, -1.0, 1.0), [steps, neurons], DType::F32, device);
    let (spikes, membrane): (Tensor<2>, Tensor<2>) = if fused {
        let out =
            lif(input.clone(), Some(initial.clone()), &Neuron::leaky(beta.clone()).with_threshold(theta.clone()).with_spec(spec)).expect("valid");
        (out.spikes, out.membrane)
    } else {
        lif_composite(input.clone(), initial.clone(), beta.clone(), theta.clone(), spec)
    };
    let grads = (spikes * ws + membrane * wm).sum().backward();
    vec![
        values(input.grad(&grads).expect("dX")),
        values(initial.grad(&grads).expect("dU0")),
        values(beta.grad(&grads).expect("dβ")),
        values(theta.grad(&grads).expect("dθ")),
    ]
}

#[test]
fn straight_through_gradients_equal_autodiff_of_the_composite_form() {
    let device = gpu().autodiff();
    for reset in [ResetMode::Subtract, ResetMode::Zero, ResetMode::ZeroAll] {
        for delay in [true, false] {
            let spec = spec(reset, delay);
            let (fused, composite) = (gradients(&device, spec, true), gradients(&device, spec, false));
            for (name, (f, c)) in ["X", "initial", "beta", "theta"].iter().zip(fused.iter().zip(&composite)) {
                let scale = c.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                assert_close(f, c, 1e-5 * scale, 1e-5, &format!("dL/d{name}, {spec:?}"));
            }
        }
    }
}

/// snnTorch's `Synaptic` quantizes its current too, after the membrane has integrated the
/// unquantized value.
#[test]
fn synaptic_current_is_quantized_like_snntorch() {
    let device = gpu();
    let (steps, neurons) = (9, 301);
    let x = uniform(steps * neurons, 21, -0.3, 0.9);
    let (u0, i0) = (uniform(neurons, 22, -0.5, 1.5), uniform(neurons, 23, -0.4, 0.8));
    for (reset, delay) in [(ResetMode::Subtract, true), (ResetMode::Subtract, false), (ResetMode::Zero, false)] {
        let spec = spec(reset, delay);
        let neuron = Neuron::synaptic(0.8, 0.9);
        let neuron = neuron.with_spec(spec);
        let state = NeuronState::new(tensor(u0.clone(), [1, neurons], DType::F32, &device)).with_synaptic(tensor(
            i0.clone(),
            [1, neurons],
            DType::F32,
            &device,
        ));
        let out = neuron_forward(tensor(x.clone(), [steps, neurons], DType::F32, &device), Some(state), &neuron).expect("valid");
        let expected = reference::lif_forward(&reference::LifProblem {
            spec,
            storage: Storage::F32,
            num_steps: steps,
            num_neurons: neurons,
            input: &x,
            initial: &u0,
            beta: &[0.9],
            theta: &[1.0],
            synaptic: Some(reference::SynapticState { alpha: &[0.8], initial: &i0 }),
            recurrent: None,
        });
        let current = values(out.synaptic.expect("I"));
        assert_close(&current, &expected.synaptic, 1e-6, 1e-6, &format!("current, {spec:?}"));
        assert_eq!(values(out.spikes), expected.spikes, "spikes, {spec:?}");
        assert_close(&values(out.membrane), &expected.membrane, 1e-6, 1e-6, &format!("membrane, {spec:?}"));
        let q = coarse();
        assert!(current.iter().all(|i| (q.apply(*i) - i).abs() <= 1e-6), "every stored current is on the level grid, {spec:?}");
    }
}

#[test]
fn synaptic_gradients_with_quantized_current_equal_the_composite_form() {
    use burn_neuro::ops::lif_composite::synaptic_composite;
    let device = gpu().autodiff();
    let (steps, neurons) = (10, 29);
    for (reset, delay) in [(ResetMode::Subtract, true), (ResetMode::Subtract, false), (ResetMode::Zero, false), (ResetMode::ZeroAll, true)] {
        let spec = spec(reset, delay);
        let run = |fused: bool| {
            let input = tensor(uniform(steps * neurons, 31, -0.4, 1.0), [steps, neurons], DType::F32, &device).require_grad();
            let u0 = tensor(uniform(neurons, 32, -0.5, 1.2), [1, neurons], DType::F32, &device).require_grad();
            let i0 = tensor(uniform(neurons, 33, -0.3, 0.6), [1, neurons], DType::F32, &device).require_grad();
            let alpha = tensor(uniform(neurons, 34, 0.4, 0.95), [neurons], DType::F32, &device).require_grad();
            let beta = tensor(uniform(neurons, 35, 0.3, 1.0), [neurons], DType::F32, &device).require_grad();
            let theta = tensor(uniform(neurons, 36, 0.6, 1.1), [neurons], DType::F32, &device).require_grad();
            let w = |seed| tensor(uniform(steps * neurons, seed, -1.0, 1.0), [steps, neurons], DType::F32, &device);
            let (spikes, membrane, current) = if fused {
                let neuron = Neuron::synaptic(alpha.clone(), beta.clone()).with_threshold(theta.clone()).with_spec(spec);
                let out = neuron_forward(input.clone(), Some(NeuronState::new(u0.clone()).with_synaptic(i0.clone())), &neuron).expect("valid");
                (out.spikes, out.membrane, out.synaptic.expect("I"))
            } else {
                synaptic_composite(input.clone(), u0.clone(), i0.clone(), alpha.clone(), beta.clone(), theta.clone(), spec)
            };
            let grads = (spikes * w(37) + membrane * w(38) + current * w(39)).sum().backward();
            [
                values(input.grad(&grads).expect("dX")),
                values(u0.grad(&grads).expect("dU0")),
                values(i0.grad(&grads).expect("dI0")),
                values(alpha.grad(&grads).expect("dα")),
                values(beta.grad(&grads).expect("dβ")),
                values(theta.grad(&grads).expect("dθ")),
            ]
        };
        let (fused, composite) = (run(true), run(false));
        for (name, (f, c)) in ["X", "U0", "I0", "alpha", "beta", "theta"].iter().zip(fused.iter().zip(&composite)) {
            let scale = c.iter().fold(1.0f32, |m, v| m.max(v.abs()));
            assert_close(f, c, 1e-5 * scale, 1e-5, &format!("dL/d{name}, {spec:?}"));
        }
    }
}
