//! Fused LIF forward: golden traces from snnTorch, and GPU vs the CPU reference
//! (`burn_neuro::reference::lif`) for every reset mode, delay, dtype and awkward shape.

use burn::tensor::{DType, Device};
use burn_neuro::reference::{Storage, lif as reference};
use burn_neuro::{LifSpec, Neuron, ResetMode, Surrogate, lif, lif_step};
use kernels_tests::{assert_close, cpu, f16_or_skip, float_dtypes, gpu, tensor, to_f16_values, uniform, values};

fn spec(reset: ResetMode, reset_delay: bool) -> LifSpec {
    LifSpec { reset, reset_delay, surrogate: Surrogate::atan(), state_quant: None, ..LifSpec::default() }
}

/// β = 0.9, θ = 1, X = 0.3 for 12 steps, one neuron: returns (membrane, spikes).
fn trace(device: &Device, spec: LifSpec, dtype: DType) -> (Vec<f32>, Vec<f32>) {
    let input = tensor(vec![0.3; 12], [12, 1], dtype, device);
    let out = lif(input, None, &Neuron::leaky(0.9).with_spec(spec)).expect("valid call");
    (values(out.membrane), values(out.spikes))
}

fn spikes_at(indices: &[usize]) -> Vec<f32> {
    (0..12).map(|t| if indices.contains(&t) { 1.0 } else { 0.0 }).collect()
}

#[test]
fn golden_traces_match_snntorch_on_gpu_and_cpu() {
    // references.md, "Leaky trace oracle" (6 significant digits).
    let subtract_delay = [0.3, 0.57, 0.813, 1.0317, 0.22853, 0.505677, 0.755109, 0.979598, 1.181639, 0.363475, 0.627127, 0.864414];
    let subtract_now = [0.3, 0.57, 0.813, 0.0317, 0.32853, 0.595677, 0.836109, 0.052498, 0.347249, 0.612524, 0.851271, 0.066144];
    let zero_delay: Vec<f32> = (0..12).map(|t| [0.3, 0.57, 0.813, 1.0317][t % 4]).collect();
    let zero_now: Vec<f32> = (0..12).map(|t| [0.3, 0.57, 0.813, 0.0][t % 4]).collect();
    let mut none = vec![0.0f32; 12];
    let mut u = 0.0f64;
    for value in none.iter_mut() {
        u = 0.9 * u + 0.3;
        *value = u as f32;
    }
    let cases: [(LifSpec, &[f32], Vec<f32>); 5] = [
        (spec(ResetMode::Subtract, true), &subtract_delay, spikes_at(&[3, 8])),
        (spec(ResetMode::Subtract, false), &subtract_now, spikes_at(&[3, 7, 11])),
        (spec(ResetMode::Zero, true), &zero_delay, spikes_at(&[3, 7, 11])),
        (spec(ResetMode::Zero, false), &zero_now, spikes_at(&[3, 7, 11])),
        (spec(ResetMode::None, true), &none, (0..12).map(|t| if t >= 3 { 1.0 } else { 0.0 }).collect()),
    ];
    for device in [gpu(), cpu()] {
        for (spec, membrane, spikes) in &cases {
            let (got_membrane, got_spikes) = trace(&device, *spec, DType::F32);
            assert_close(&got_membrane, membrane, 2e-6, 1e-6, &format!("{spec:?} membrane on {device:?}"));
            assert_eq!(&got_spikes, spikes, "{spec:?} spikes on {device:?}");
        }
    }
    // The table's last "none" value.
    assert!((none[11] - 2.152711).abs() < 1e-6);
}

#[test]
fn a_membrane_exactly_at_threshold_does_not_spike() {
    // β = 0.5, X = [0.5, 0.75] gives U = 1.0 = θ exactly: snnTorch's strict `>` does not fire.
    for device in [gpu(), cpu()] {
        let input = tensor(vec![0.5, 0.75], [2, 1], DType::F32, &device);
        let out = lif(input, None, &Neuron::leaky(0.5)).expect("valid call");
        assert_eq!(values(out.membrane), vec![0.5, 1.0]);
        assert_eq!(values(out.spikes), vec![0.0, 0.0]);
    }
}

#[test]
fn f16_fused_trace_keeps_the_membrane_in_f32() {
    // references.md, "f32 state, f16 storage".
    let expected = [0.300049, 0.570312, 0.812988, 1.03223, 0.22876, 0.505859, 0.755371, 0.97998, 1.18164, 0.36377, 0.627441, 0.864746];
    for device in [gpu(), cpu()].into_iter().filter(|d| f16_or_skip(d, "f16 fused trace")) {
        let (membrane, spikes) = trace(&device, LifSpec::snntorch_default(), DType::F16);
        assert_close(&membrane, &expected, 0.0, 1e-3, "f16 fused membrane");
        assert_eq!(spikes, spikes_at(&[3, 8]), "f16 fused spikes");
    }
}

/// Per-step f16 emulation: each step computed in f32 from the f16 state, then stored as f16
/// (subtract reset, delayed, θ = 1).
fn per_step_f16(beta: f32, input: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let r = |v: f32| half::f16::from_f32(v).to_f32();
    let mut mem = 0.0f32;
    let (mut mems, mut spikes) = (Vec::new(), Vec::new());
    for x in input {
        let reset = if mem > 1.0 { 1.0 } else { 0.0 };
        let v = beta * mem + r(*x) - reset;
        spikes.push(if v > 1.0 { 1.0 } else { 0.0 });
        mem = r(v);
        mems.push(mem);
    }
    (mems, spikes)
}

#[test]
fn f16_step_loop_matches_per_step_f16_emulation_spike_for_spike() {
    // The single-step op stores the membrane as f16 between calls. snnTorch's per-op f16 trace
    // (references.md, "subtract, delay, f16 per op", β in f16) has the same spikes and stays
    // within two f16 ulps of it.
    let table = [0.300049, 0.569824, 0.8125, 1.03125, 0.228516, 0.505859, 0.755371, 0.979492, 1.181641, 0.363281, 0.626953, 0.864258];
    let beta = half::f16::from_f32(0.9).to_f32();
    let (emulated, emulated_spikes) = per_step_f16(beta, &[0.3; 12]);
    assert_eq!(emulated_spikes, spikes_at(&[3, 8]), "emulation spikes vs snnTorch");
    assert_close(&emulated, &table, 0.0, 2.5e-3, "emulation vs snnTorch per-op f16");
    for device in [gpu(), cpu()].into_iter().filter(|d| f16_or_skip(d, "f16 step loop")) {
        let neuron = Neuron::leaky(beta);
        let mut membrane = None;
        let (mut mems, mut spikes) = (Vec::new(), Vec::new());
        for _ in 0..12 {
            let x = tensor(vec![0.3], [1], DType::F16, &device);
            let out = lif_step(x, membrane, &neuron).expect("valid step");
            mems.extend(values(out.membrane.clone()));
            spikes.extend(values(out.spikes));
            membrane = Some(out.membrane);
        }
        assert_eq!(spikes, emulated_spikes, "spikes on {device:?}");
        assert_close(&mems, &emulated, 0.0, 1e-3, &format!("step-loop membrane on {device:?} (one f16 ulp)"));
    }
}

/// Runs the op on `device` and the CPU reference on the same (dtype-rounded) values.
fn compare_with_reference(device: &Device, spec: LifSpec, dtype: DType, steps: usize, dims: [usize; 2], seed: u64) {
    let neurons = dims[0] * dims[1];
    let storage = if dtype == DType::F16 { Storage::F16 } else { Storage::F32 };
    let round = |v: Vec<f32>| if dtype == DType::F16 { to_f16_values(&v) } else { v };
    let x = round(uniform(steps * neurons, seed, -0.3, 0.9));
    let initial = round(uniform(neurons, seed + 1, -0.5, 1.5));
    let beta = uniform(dims[1], seed + 2, 0.5, 1.0);
    let theta = 0.8f32;

    let neuron = Neuron::leaky(tensor(beta.clone(), [dims[1]], DType::F32, device)).with_threshold(theta).with_spec(spec);
    let out = lif(
        tensor(x.clone(), [steps, dims[0], dims[1]], dtype, device),
        Some(tensor(initial.clone(), [1, dims[0], dims[1]], dtype, device)),
        &neuron,
    )
    .expect("valid call");
    let expected = reference::lif_forward(&reference::LifProblem {
        spec,
        storage,
        num_steps: steps,
        num_neurons: neurons,
        input: &x,
        initial: &initial,
        beta: &beta,
        theta: &[theta],
        synaptic: None,
        recurrent: None,
    });
    let what = format!("{spec:?} {dtype:?} T={steps} {dims:?}");
    assert_eq!(values(out.spikes), expected.spikes, "spikes, {what}");
    let (atol, rtol) = if dtype == DType::F16 { (1e-3, 1e-3) } else { (1e-6, 1e-6) };
    assert_close(&values(out.membrane), &expected.membrane, atol, rtol, &format!("membrane, {what}"));
}

#[test]
fn gpu_matches_reference_for_every_reset_mode_and_dtype() {
    let device = gpu();
    for reset in [ResetMode::Subtract, ResetMode::Zero, ResetMode::None, ResetMode::ZeroAll] {
        for delay in [true, false] {
            for dtype in float_dtypes(&device) {
                // One neuron; 999 neurons (not a multiple of the 256-wide workgroup).
                compare_with_reference(&device, spec(reset, delay), dtype, 6, [1, 1], 7);
                compare_with_reference(&device, spec(reset, delay), dtype, 9, [3, 333], 11);
            }
        }
    }
}

/// The CPU backend (the reference, stacked by the neuron table) and the WGSL kernels are two
/// implementations: for every kind, both give the same planes from the same inputs and state.
#[test]
fn cpu_backend_matches_the_gpu_for_every_kind() {
    use burn_neuro::{NeuronKind, NeuronState, Plane, neuron_forward};
    let (steps, batch, features) = (7, 3, 19);
    for kind in NeuronKind::ALL {
        let spec = if kind == NeuronKind::Alpha { spec(ResetMode::Zero, true) } else { spec(ResetMode::Zero, false) };
        let run = |device: &Device| {
            let row = |seed, lo, hi| tensor(uniform(features, seed, lo, hi), [features], DType::F32, device);
            let neuron =
                Neuron::new(kind, row(3, 0.85, 0.95), row(4, 0.5, 0.8)).with_threshold(row(5, 0.6, 1.0)).with_spec(spec).with_recurrent_weight(-0.3);
            let one_step = |seed| tensor(uniform(batch * features, seed, 0.0, 0.5), [1, batch, features], DType::F32, device);
            let mut state = NeuronState::new(one_step(6));
            for &plane in &kind.layout().states[1..] {
                match plane {
                    Plane::Synaptic => state.synaptic = Some(one_step(7)),
                    Plane::Excitatory => state.excitatory = Some(one_step(8)),
                    Plane::Inhibitory => state.inhibitory = Some(one_step(9).neg()),
                    Plane::Spikes => state.spikes = Some(one_step(10).greater_elem(0.25).float()),
                    Plane::Membrane => unreachable!("the first state"),
                }
            }
            let x = tensor(uniform(steps * batch * features, 11, -0.3, 1.2), [steps, batch, features], DType::F32, device);
            let out = neuron_forward(x, Some(state), &neuron).expect("valid call");
            kind.layout().outputs.iter().map(|&plane| values(out.plane(plane).expect("written").clone())).collect::<Vec<_>>()
        };
        let (on_cpu, on_gpu) = (run(&cpu()), run(&gpu()));
        assert!(on_gpu[0].contains(&1.0), "{kind:?} fires");
        for (k, (a, b)) in on_cpu.iter().zip(&on_gpu).enumerate() {
            assert_close(a, b, 1e-5, 1e-5, &format!("{kind:?}, plane {k}"));
        }
    }
}

#[test]
fn more_than_65535_workgroups_of_neurons() {
    // 65,536 full workgroups plus a partial one: the launch folds into a 2-D grid. f16 keeps
    // the stacked output under the 128 MiB binding limit of many adapters.
    let device = gpu();
    if !f16_or_skip(&device, "f16 launch over 65,536 workgroups") {
        return;
    }
    let neurons = 65_536 * 256 + 3;
    let x = to_f16_values(&(0..neurons).map(|i| (i % 1000) as f32 / 500.0).collect::<Vec<_>>());
    let out = lif(tensor(x.clone(), [1, neurons], DType::F16, &device), None, &Neuron::leaky(0.9)).expect("valid call");
    let expected_spikes: Vec<f32> = x.iter().map(|v| if *v > 1.0 { 1.0 } else { 0.0 }).collect();
    assert_eq!(values(out.membrane), x, "U[0] = X[0] from a zero membrane");
    assert_eq!(values(out.spikes), expected_spikes);
}

#[test]
fn a_sequence_over_the_binding_limit_is_a_clear_error() {
    // A device whose storage bindings stop at 8 MiB, so the check runs on every adapter (a real
    // GPU's multi-GiB limit would need a multi-GiB input).
    const LIMIT: u64 = 8 << 20;
    let device =
        kernels_tests::custom_gpu("small-bindings", |f| f, |l| burn::tensor::wgpu::wgpu::Limits { max_storage_buffer_binding_size: LIMIT, ..l });
    let limit = burn_neuro::device::max_binding_bytes(&device).expect("a GPU device has a limit");
    assert!(limit <= LIMIT, "the device reports its reduced limit ({limit} bytes)");
    // f32 [T, N] whose stacked [S | U] output needs one element more than the limit allows.
    let neurons = (limit / 8 + 1) as usize;
    let input = burn::tensor::Tensor::<2>::zeros([1, neurons], &device);
    let err = lif(input, None, &Neuron::leaky(0.9)).unwrap_err();
    assert!(err.to_string().contains("binding limit"), "{err}");
}
