//! RN-Net's reservoir node on its fused kernels: the recipe's golden sequence on the GPU and the
//! CPU path, GPU vs CPU reference forward and backward (f32 and f16, shapes off the workgroup
//! size, several channels), gradients vs Burn's autodiff of the same recurrence as tensor ops,
//! a launch over more than 65,535 workgroups, and bad input.

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::NeuroError;
use burn_neuro::reference::Storage;
use burn_neuro::reference::reservoir_node as reference;
use burn_neuro::reservoir::{ReservoirNodeConfig, reservoir_node, reservoir_node_composite};
use kernels_tests::{assert_close, cpu, float_dtypes, gpu, tensor, to_f16_values, uniform, values};

const GOLDEN: [f32; 6] = [0.5, 0.659365, 0.539843, 0.441986, 0.640874, 0.524704];

fn coefficient(values: Vec<f32>, device: &Device) -> Tensor<1> {
    let len = values.len();
    tensor(values, [len], DType::F32, device)
}

#[test]
fn golden_sequence_on_gpu_and_cpu() {
    for device in [gpu(), cpu()] {
        for dtype in float_dtypes(&device) {
            let delta = tensor(vec![1.0, 1.0, 0.0, 0.0, 1.0, 0.0], [6, 1], dtype, &device);
            let out = reservoir_node(delta, coefficient(vec![0.5], &device), coefficient(vec![5.0], &device), 1.0, None).expect("valid call");
            assert_eq!(out.conductance.dims(), [6, 1, 1]);
            // f16 holds these values to within half an ulp at 0.5–1 (2^-11 · 2).
            let tolerance = if dtype == DType::F16 { 1e-3 } else { 1e-6 };
            assert_close(&values(out.conductance), &GOLDEN, tolerance, 0.0, &format!("golden G, {device:?} {dtype:?}"));
        }
    }
}

/// δ a mix of events (1), silence (0) and a few graded values, as thresholded maps give.
fn drive(len: usize, seed: u64) -> Vec<f32> {
    uniform(len, seed, 0.0, 1.0)
        .into_iter()
        .map(|u| {
            if u < 0.4 {
                1.0
            } else if u < 0.9 {
                0.0
            } else {
                u
            }
        })
        .collect()
}

/// (P_c, τ) per channel: short, long and in-between memories.
fn channels(k: usize) -> (Vec<f32>, Vec<f32>) {
    let pairs = [(0.5, 5.0), (0.2, 40.0), (0.8, 1.5)];
    (0..k).map(|i| pairs[i % 3]).unzip()
}

#[test]
fn forward_matches_the_reference_off_the_workgroup_size() {
    let device = gpu();
    for dtype in float_dtypes(&device) {
        for (steps, k, batch, neurons) in [(1, 1, 1, 1), (30, 2, 3, 257), (5, 3, 2, 1000)] {
            let n = batch * neurons;
            let storage = if dtype == DType::F16 { Storage::F16 } else { Storage::F32 };
            let delta = drive(steps * n, 1);
            let initial = to_f16_values(&uniform(k * n, 2, 0.0, 1.0));
            let (p_c, tau) = channels(k);
            let out = reservoir_node(
                tensor(delta.clone(), [steps, batch, neurons], dtype, &device),
                coefficient(p_c.clone(), &device),
                coefficient(tau.clone(), &device),
                1.5,
                Some(tensor(initial.clone(), [k, n], dtype, &device)),
            )
            .expect("valid call");
            let decay: Vec<f32> = tau.iter().map(|t| (-1.0 / t).exp()).collect();
            let coeffs = [p_c, decay].concat();
            let expected = reference::forward(&delta, &initial, &coeffs, 1.5, steps, n, storage);
            let what = format!("T = {steps}, K = {k}, [{batch}, {neurons}] {dtype:?}");
            // The GPU's exp(−1/τ) is not correctly rounded; f16 may land one ulp off.
            let (atol, rtol) = if dtype == DType::F16 { (1e-3, 2e-3) } else { (1e-6, 1e-5) };
            assert_close(&values(out.conductance.clone()), &expected, atol, rtol, &format!("conductance, {what}"));
            assert_close(&values(out.final_state()), &expected[(steps - 1) * k * n..], atol, rtol, &format!("final state, {what}"));
        }
    }
}

/// dL/dδ, dL/dG₀, dL/dP_c and dL/dτ for a weighted loss on every conductance, through the
/// fused op (`fused`) or the tensor-op recurrence.
fn gradients(device: &Device, dtype: DType, steps: usize, k: usize, neurons: usize, fused: bool) -> [Vec<f32>; 4] {
    let device = device.clone().autodiff();
    let delta = tensor(drive(steps * neurons, 3), [steps, neurons], dtype, &device).require_grad();
    let initial = tensor(uniform(k * neurons, 4, 0.0, 1.0), [k, neurons], dtype, &device).require_grad();
    let (p_c, tau) = channels(k);
    let p_c = coefficient(p_c, &device).require_grad();
    let tau = coefficient(tau, &device).require_grad();
    let g = if fused {
        reservoir_node(delta.clone(), p_c.clone(), tau.clone(), 1.0, Some(initial.clone())).expect("valid call").conductance
    } else {
        reservoir_node_composite(delta.clone(), p_c.clone(), tau.clone(), 1.0, initial.clone())
    };
    let w = tensor(uniform(steps * k * neurons, 5, -1.0, 1.0), [steps, k, neurons], dtype, &device);
    let grads = (g.cast(DType::F32) * w.cast(DType::F32)).sum().backward();
    [
        values(delta.grad(&grads).expect("dL/dδ")),
        values(initial.grad(&grads).expect("dL/dG0")),
        values(p_c.grad(&grads).expect("dL/dP_c")),
        values(tau.grad(&grads).expect("dL/dτ")),
    ]
}

#[test]
fn backward_matches_the_cpu_reference_and_tensor_op_autodiff() {
    for (steps, k, neurons) in [(1, 1, 1), (40, 2, 300)] {
        let what = format!("T = {steps}, K = {k}, N = {neurons}");
        let gpu_grads = gradients(&gpu(), DType::F32, steps, k, neurons, true);
        let cpu_grads = gradients(&cpu(), DType::F32, steps, k, neurons, true);
        let composite = gradients(&cpu(), DType::F32, steps, k, neurons, false);
        for (i, name) in ["dL/dδ", "dL/dG0", "dL/dP_c", "dL/dτ"].iter().enumerate() {
            // Coefficient gradients sum N·T terms: relative tolerance.
            assert_close(&gpu_grads[i], &cpu_grads[i], 1e-4, 1e-4, &format!("{name} GPU vs CPU, {what}"));
            assert_close(&cpu_grads[i], &composite[i], 1e-4, 1e-4, &format!("{name} fused vs tensor ops, {what}"));
        }
        assert!(gpu_grads[0].iter().any(|g| g.abs() > 1e-3), "dL/dδ is all but zero");
    }
}

#[test]
fn f16_backward_matches_the_f32_backward_within_f16_rounding() {
    let device = gpu();
    if !float_dtypes(&device).contains(&DType::F16) {
        return;
    }
    let half = gradients(&device, DType::F16, 20, 2, 300, true);
    let full = gradients(&device, DType::F32, 20, 2, 300, true);
    for (i, name) in ["dL/dδ", "dL/dG0", "dL/dP_c", "dL/dτ"].iter().enumerate() {
        assert_close(&half[i], &full[i], 2e-2, 2e-2, &format!("{name} f16 vs f32"));
    }
}

#[test]
fn launches_fold_beyond_65535_workgroups() {
    // 65,536 full workgroups and one more node, one step, one channel.
    let device = gpu();
    let neurons = 65_536 * 256 + 1;
    let delta: Vec<f32> = (0..neurons).map(|n| (n % 2) as f32).collect();
    let out = reservoir_node(
        tensor(delta.clone(), [1, neurons], DType::F32, &device),
        coefficient(vec![0.25], &device),
        coefficient(vec![2.0], &device),
        2.0,
        None,
    );
    let limit = burn_neuro::device::max_binding_bytes(&device);
    match limit {
        Some(limit) if limit < (neurons * 4) as u64 => {
            let Err(NeuroError::TooLarge { argument, .. }) = out else { panic!("conductances over the binding limit must be refused") };
            assert_eq!(argument, "delta");
        }
        _ => {
            // From G₀ = 0 one event gives P_c·G_max = 0.5; silence keeps 0.
            let g = values(out.expect("valid call").conductance);
            assert!(g.iter().zip(&delta).all(|(g, d)| *g == 0.5 * d), "G after one step");
        }
    }
    // A call that tracks a gradient also needs the backward's [T + 3, K, N] f32 rows.
    let autodiff = device.autodiff();
    let tracked = tensor(delta, [1, neurons], DType::F32, &autodiff).require_grad();
    let out = reservoir_node(tracked, coefficient(vec![0.25], &autodiff), coefficient(vec![2.0], &autodiff), 2.0, None);
    if limit.is_some_and(|limit| limit < (4 * neurons * 4) as u64) {
        let Err(NeuroError::TooLarge { argument, .. }) = out else { panic!("gradient rows over the binding limit must be refused") };
        assert_eq!(argument, "delta");
    } else {
        assert!(out.is_ok(), "a tracked call within the limit runs");
    }
}

#[test]
fn bad_input_names_the_argument() {
    let device = gpu();
    let delta = || tensor(vec![0.0; 6], [2, 3], DType::F32, &device);
    let one = |v: f32| coefficient(vec![v], &device);
    let error = reservoir_node(delta(), coefficient(vec![0.5, 0.5], &device), one(5.0), 1.0, None).expect_err("K mismatch refused");
    assert!(matches!(error, NeuroError::Shape { argument: "tau", .. }), "{error}");
    let error = reservoir_node(delta(), one(0.5), one(5.0), 0.0, None).expect_err("G_max = 0 refused");
    assert!(matches!(error, NeuroError::Range { argument: "g_max", .. }), "{error}");
    let error = reservoir_node(Tensor::<2>::zeros([0, 3], &device), one(0.5), one(5.0), 1.0, None).expect_err("T = 0 refused");
    assert!(matches!(error, NeuroError::Shape { argument: "delta", .. }), "{error}");
    let error = reservoir_node(delta(), one(0.5), one(5.0), 1.0, Some(tensor(vec![0.0; 6], [2, 3], DType::F32, &device)))
        .expect_err("2 channels of state for 1");
    assert!(matches!(error, NeuroError::Shape { argument: "initial", .. }), "{error}");
    let error = reservoir_node(delta(), one(0.5).cast(DType::F16), one(5.0), 1.0, None).expect_err("f16 P_c refused");
    assert!(matches!(error, NeuroError::DType { argument: "p_c", .. }), "{error}");
    for (channels, what) in [(vec![(1.5, 5.0)], "P_c"), (vec![(0.5, 0.0)], "τ"), (vec![], "[]")] {
        let error = ReservoirNodeConfig { channels, ..Default::default() }.init(&device).expect_err("bad config refused");
        assert!(matches!(&error, NeuroError::Range { argument: "channels", value, .. } if value.contains(what)), "{error}");
    }
    let layer = ReservoirNodeConfig { channels: vec![(0.5, 5.0), (0.1, 50.0)], ..Default::default() }.init(&device).expect("valid config");
    let frames = Tensor::<5>::ones([4, 2, 3, 5, 6], &device);
    assert_eq!(layer.forward(frames).dims(), [4, 2, 6, 5, 6], "K·C output channels");
}
