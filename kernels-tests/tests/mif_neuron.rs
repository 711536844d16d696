//! MEMprop's memristive integrate-and-fire neuron on its fused kernels: the notebook's golden
//! trace on the GPU and the CPU path, GPU vs CPU reference forward and exact backward on shapes
//! off the workgroup size, a launch over more than 65,535 workgroups, and bad input. (Gradients
//! vs f64 finite differences are the reference's own unit tests, `reference::mif`.)

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::NeuroError;
use burn_neuro::ops::mif::{MifParams, NOTEBOOK_KICK, mif, mif_rest_state};
use burn_neuro::reference::mif as reference;
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};

/// The notebook's trace: one neuron from rest with a(0) = 5·e µA and no input, 999 updates.
#[test]
fn golden_trace_matches_the_notebook_on_gpu_and_cpu() {
    let params = MifParams::default();
    for device in [gpu(), cpu()] {
        let input = tensor(vec![0.0; 999], [999, 1], DType::F32, &device);
        let out = mif(input, Some(mif_rest_state(&params, 1, NOTEBOOK_KICK as f32, &device)), &params).expect("valid call");
        let v = values(out.membrane);
        let after = |updates: usize| v[updates - 1];
        // The notebook's published trace, to its printed digits; f32 and the GPU's exp keep
        // within 2e-4 mV.
        for (updates, expected) in [(10, 15.6355), (100, 37.2676), (49, 45.7081), (644, -12.0489), (999, -9.14207)] {
            assert!((after(updates) - expected).abs() <= 2e-4, "{device:?}: v after {updates} updates = {}, expected {expected}", after(updates));
        }
        let argmax = v.iter().enumerate().fold(0, |best, (k, x)| if *x > v[best] { k } else { best });
        let argmin = v.iter().enumerate().fold(0, |best, (k, x)| if *x < v[best] { k } else { best });
        assert_eq!((argmax + 1, argmin + 1), (49, 644), "{device:?}: peak and trough updates");
        let x1: Vec<f32> = values(out.trajectory.slice([0..1000, 3..4]));
        let peak = x1.iter().enumerate().fold(0, |best, (k, x)| if *x > x1[best] { k } else { best });
        assert_eq!(peak, 218, "{device:?}: max x1 after 218 updates");
        assert!((x1[peak] - 0.083333).abs() < 2e-6, "{device:?}: max x1 {}", x1[peak]);
    }
}

/// Inputs of a layer's size: a few µA of drive per step, spread over neurons.
fn drive(steps: usize, neurons: usize, seed: u64) -> Vec<f32> {
    uniform(steps * neurons, seed, -0.05, 0.2)
}

fn initial_state(neurons: usize, seed: u64) -> Vec<f32> {
    let planes = [(0.0, 10.0), (0.0, 3.0), (-20.0, 30.0), (0.0, 0.06), (0.0, 0.06)];
    planes.iter().enumerate().flat_map(|(p, (lo, hi))| uniform(neurons, seed + p as u64, *lo, *hi)).collect()
}

#[test]
fn forward_matches_the_reference_off_the_workgroup_size() {
    let params = MifParams::default();
    let c = reference::MifCoefficients::<f32>::new(&params);
    for (steps, batch, neurons) in [(1, 1, 1), (30, 3, 257), (5, 2, 1000)] {
        let n = batch * neurons;
        let (x, s0) = (drive(steps, n, 1), initial_state(n, 2));
        let device = gpu();
        let out =
            mif(tensor(x.clone(), [steps, batch, neurons], DType::F32, &device), Some(tensor(s0.clone(), [5, n], DType::F32, &device)), &params)
                .expect("valid call");
        let expected = reference::trajectory(&c, &x, &s0, steps, n);
        let what = format!("T = {steps}, [{batch}, {neurons}]");
        assert_close(&values(out.trajectory.clone()), &expected, 1e-4, 1e-4, &format!("trajectory, {what}"));
        assert_eq!(out.membrane.dims(), [steps, batch, neurons], "{what}");
        assert_close(&values(out.final_state()), &expected[steps * 5 * n..], 1e-4, 1e-4, &format!("final state, {what}"));
    }
}

/// dL/dinput and dL/dinitial for a loss on every membrane value and on the final state.
fn gradients(device: &Device, steps: usize, neurons: usize) -> [Vec<f32>; 2] {
    let device = device.clone().autodiff();
    let x = tensor(drive(steps, neurons, 3), [steps, neurons], DType::F32, &device).require_grad();
    let s0 = tensor(initial_state(neurons, 4), [5, neurons], DType::F32, &device).require_grad();
    let out = mif(x.clone(), Some(s0.clone()), &MifParams::default()).expect("valid call");
    let w = tensor(uniform(steps * neurons, 5, -1.0, 1.0), [steps, neurons], DType::F32, &device);
    let w_final = tensor(uniform(5 * neurons, 6, -1.0, 1.0), [5, neurons], DType::F32, &device);
    let loss = (out.membrane.clone() * w).sum() + (out.final_state() * w_final).sum();
    let grads = loss.backward();
    [values(x.grad(&grads).expect("dL/dinput")), values(s0.grad(&grads).expect("dL/dinitial"))]
}

#[test]
fn exact_backward_matches_the_cpu_reference() {
    for (steps, neurons) in [(1, 1), (40, 300)] {
        let [gpu_input, gpu_initial] = gradients(&gpu(), steps, neurons);
        let [cpu_input, cpu_initial] = gradients(&cpu(), steps, neurons);
        assert_close(&gpu_input, &cpu_input, 1e-4, 1e-3, &format!("dL/dinput, T = {steps}, N = {neurons}"));
        assert_close(&gpu_initial, &cpu_initial, 1e-4, 1e-3, &format!("dL/dinitial, T = {steps}, N = {neurons}"));
        // An input reaches v two updates later: with T = 40 the early gradients are not zero.
        if steps > 2 {
            assert!(gpu_input.iter().any(|g| g.abs() > 1e-3), "dL/dinput is all but zero");
        }
    }
}

#[test]
fn launches_fold_beyond_65535_workgroups() {
    // 65,536 full workgroups and one more neuron, one update: [2, 5, N] f32 states (671 MB).
    let device = gpu();
    let neurons = 65_536 * 256 + 1;
    let params = MifParams::default();
    let x: Vec<f32> = (0..neurons).map(|n| (n % 97) as f32 * 0.01).collect();
    let result = mif(tensor(x.clone(), [1, neurons], DType::F32, &device), None, &params);
    match burn_neuro::device::max_binding_bytes(&device) {
        Some(limit) if limit < (2 * 5 * neurons * 4) as u64 => {
            eprintln!("the {limit}-byte binding limit refuses the 671 MB trajectory: checking the refusal");
            let Err(NeuroError::TooLarge { argument, .. }) = result else { panic!("a trajectory over the binding limit must be refused") };
            assert_eq!(argument, "input");
        }
        _ => {
            let out = result.expect("valid call");
            // One update from rest: a = x, every other state as at rest except the memristors'
            // first relaxation, the same for every neuron.
            let a: Vec<f32> = values(out.trajectory.slice([1..2, 0..1]));
            assert_eq!(a, x, "a after one update = input");
        }
    }
}

#[test]
fn bad_input_names_the_argument() {
    let device = gpu();
    let params = MifParams::default();
    let input = || tensor(vec![0.0; 6], [2, 3], DType::F32, &device);
    let error = mif(tensor(vec![0.0; 6], [2, 3], DType::F16, &device), None, &params).expect_err("f16 refused");
    assert!(matches!(error, NeuroError::DType { argument: "input", .. }), "{error}");
    let error = mif(input(), Some(tensor(vec![0.0; 12], [4, 3], DType::F32, &device)), &params).expect_err("4 state planes refused");
    assert!(matches!(error, NeuroError::Shape { argument: "initial", .. }), "{error}");
    let error = mif(input(), None, &MifParams { capacitance: 0.0, ..params }).expect_err("C = 0 refused");
    assert!(matches!(error, NeuroError::Range { argument: "capacitance", .. }), "{error}");
    let error = mif(input(), None, &MifParams { tau: 0.5, ..params }).expect_err("τ below one step refused");
    assert!(matches!(error, NeuroError::Range { argument: "tau", .. }), "{error}");
    let error = mif(Tensor::<2>::zeros([0, 3], &device), None, &params).expect_err("T = 0 refused");
    assert!(matches!(error, NeuroError::Shape { argument: "input", .. }), "{error}");
    let error = mif(input(), Some(tensor(vec![0.0; 15], [5, 3], DType::F16, &device)), &params).expect_err("an f16 state refused");
    assert!(matches!(error, NeuroError::DType { argument: "initial", .. }), "{error}");
    // Valid in f64 but 0 or ∞ once the kernels' f32 coefficients are derived.
    let error = mif(input(), None, &MifParams { r_on: 1e-40, ..params }).expect_err("1/R_on overflows f32");
    assert!(matches!(error, NeuroError::Range { argument: "r_on", .. }), "{error}");
    let error = mif(input(), None, &MifParams { dt: 1e30, capacitance: 1e-30, ..params }).expect_err("dt/C overflows f32");
    assert!(matches!(error, NeuroError::Range { argument: "capacitance", .. }), "{error}");
    let layer = burn_neuro::snn::MifConfig::new().init(&device).expect("valid config");
    let error = layer.try_forward(input(), None).expect_err("a module input without a batch dimension refused");
    assert!(matches!(error, NeuroError::Shape { argument: "input", .. }), "{error}");
}

/// A fully memristive layer: crossbar synapses (`AnalogLinear` on a noisy RRAM crossbar) feeding
/// MIF neurons, trained end to end: the exact MIF gradient reaches the crossbar's weights on the
/// GPU and on the CPU path, and one SGD step on it lowers the loss.
#[test]
fn analog_synapses_feed_mif_neurons_and_learn() {
    use burn::optim::{GradientsParams, SgdConfig};
    use burn_neuro::analog::{AnalogLinearConfig, CrossbarConfig};
    use burn_neuro::snn::MifConfig;
    for device in [gpu().autodiff(), cpu().autodiff()] {
        let (steps, batch, inputs, outputs) = (40, 4, 30, 5);
        let layer = AnalogLinearConfig::new(inputs, outputs).with_crossbar(CrossbarConfig::rram().with_seed(7)).init(&device).expect("valid config");
        let neurons = MifConfig::new().init(&device).expect("valid config");
        let x = tensor(uniform(batch * inputs, 8, 0.0, 1.0), [batch, inputs], DType::F32, &device);
        // The loss wants the first neuron's membrane high and the others low.
        let target = tensor((0..outputs).map(|o| if o == 0 { 1.0 } else { -1.0 }).collect(), [1, 1, outputs], DType::F32, &device);
        let loss = |layer: &burn_neuro::analog::AnalogLinear| {
            let current = layer.forward(x.clone()).tanh() * 0.2;
            let v = neurons.forward(current.unsqueeze_dim::<3>(0).expand([steps, batch, outputs]));
            -(v * target.clone()).mean()
        };
        let before = loss(&layer);
        let grads = before.backward();
        let grad = layer.weight.grad(&grads).expect("dL/dW through the MIF neurons");
        assert!(values(grad.clone()).iter().any(|g| g.abs() > 1e-6) && values(grad).iter().all(|g| g.is_finite()), "{device:?}: dL/dW");
        let mut optimizer = SgdConfig::new().init();
        let grads = GradientsParams::from_grads(grads, &layer);
        let layer = optimizer.step(0.5, layer, grads);
        let (before, after) = (values(before.detach())[0], values(loss(&layer).detach())[0]);
        assert!(after < before, "{device:?}: one step must lower the loss: {before} → {after}");
    }
}

/// The unfused baseline (`mif_composite`, Burn tensor ops under Burn's autodiff) agrees with the
/// fused kernels forward and backward: two independent derivations of the same gradient.
#[test]
fn tensor_op_baseline_matches_the_fused_kernels() {
    use burn_neuro::ops::mif::mif_composite;
    let device = gpu().autodiff();
    let (steps, neurons) = (30, 70);
    let params = MifParams::default();
    let run = |fused: bool| {
        let x = tensor(drive(steps, neurons, 9), [steps, neurons], DType::F32, &device).require_grad();
        let s0 = tensor(initial_state(neurons, 10), [5, neurons], DType::F32, &device).require_grad();
        let v = if fused {
            mif(x.clone(), Some(s0.clone()), &params).expect("valid call").membrane
        } else {
            mif_composite(x.clone(), s0.clone(), &params)
        };
        let w = tensor(uniform(steps * neurons, 11, -1.0, 1.0), [steps, neurons], DType::F32, &device);
        let grads = (v.clone() * w).sum().backward();
        [values(v), values(x.grad(&grads).expect("dX")), values(s0.grad(&grads).expect("dS0"))]
    };
    let (fused, composite) = (run(true), run(false));
    for (name, (a, b)) in ["membrane", "dL/dinput", "dL/dinitial"].iter().zip(fused.iter().zip(&composite)) {
        assert_close(a, b, 1e-3, 1e-3, name);
    }
}
