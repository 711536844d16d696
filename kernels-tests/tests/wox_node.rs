//! The WOx memristor reservoir node on its fused kernel (`shaders/wox_node_forward.wgsl`): GPU vs
//! CPU reference on shapes off the workgroup size, a launch over more than 65,535 workgroups, and
//! bad input.

use burn::tensor::{DType, Tensor};
use burn_neuro::NeuroError;
use burn_neuro::reference::wox_node as reference;
use burn_neuro::reservoir::{WoxParams, wox_node};
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};

/// Pulses of 0–1.6 V on about a third of the steps, rest elsewhere (the drive of a reservoir).
fn pulses(len: usize, seed: u64) -> Vec<f32> {
    uniform(len, seed, 0.0, 1.0).into_iter().map(|u| if u < 0.35 { u / 0.35 * 1.6 } else { 0.0 }).collect()
}

#[test]
fn forward_matches_the_reference_on_gpu_and_cpu() {
    let params = WoxParams::default();
    let c = params.coefficients();
    for device in [gpu(), cpu()] {
        for (steps, batch, neurons) in [(1, 1, 1), (60, 3, 257), (7, 2, 1000)] {
            let n = batch * neurons;
            let (v, w0) = (pulses(steps * n, 1), uniform(n, 2, 0.1, 0.9));
            let out = wox_node(
                tensor(v.clone(), [steps, batch, neurons], DType::F32, &device),
                Some(tensor(w0.clone(), [n], DType::F32, &device)),
                &params,
            )
            .expect("valid call");
            let expected = reference::forward(&c, &v, &w0, steps, n);
            let plane = |p: usize| -> Vec<f32> { (0..steps).flat_map(|t| expected[(t * 2 + p) * n..(t * 2 + p + 1) * n].to_vec()).collect() };
            let what = format!("{device:?} T = {steps}, [{batch}, {neurons}]");
            assert_eq!(out.state.dims(), [steps, batch, neurons], "{what}");
            // GPU sinh/exp are not correctly rounded: relative tolerance on currents.
            assert_close(&values(out.state), &plane(0), 1e-5, 1e-5, &format!("state, {what}"));
            assert_close(&values(out.current), &plane(1), 1e-12, 1e-4, &format!("current, {what}"));
        }
    }
}

#[test]
fn launches_fold_beyond_65535_workgroups() {
    let device = gpu();
    let neurons = 65_536 * 256 + 1;
    let v: Vec<f32> = (0..neurons).map(|n| (n % 3) as f32 * 0.5).collect();
    let out = wox_node(tensor(v.clone(), [1, neurons], DType::F32, &device), None, &WoxParams::default());
    match burn_neuro::device::max_binding_bytes(&device) {
        Some(limit) if limit < (2 * neurons * 4) as u64 => {
            let Err(NeuroError::TooLarge { argument, .. }) = out else { panic!("a trajectory over the binding limit must be refused") };
            assert_eq!(argument, "voltage");
        }
        _ => {
            let w = values(out.expect("valid call").state);
            let c = WoxParams::default().coefficients();
            // Three distinct voltages: every node equals the reference of its voltage.
            let expected: Vec<f32> = (0..3).map(|k| reference::step(&c, c.w_min, k as f32 * 0.5).0).collect();
            assert!(w.iter().enumerate().all(|(n, w)| (w - expected[n % 3]).abs() <= 1e-6), "state after one step");
        }
    }
}

#[test]
fn bad_input_names_the_argument() {
    let device = gpu();
    let v = || tensor(vec![0.0; 6], [2, 3], DType::F32, &device);
    let params = WoxParams::default();
    let error = wox_node(tensor(vec![0.0; 6], [2, 3], DType::F16, &device), None, &params);
    assert!(matches!(error, Err(NeuroError::DType { argument: "voltage", .. })), "{error:?}");
    let error = wox_node(v(), Some(Tensor::<1>::zeros([4], &device)), &params).expect_err("4 states for 3 nodes");
    assert!(matches!(error, NeuroError::Shape { argument: "initial", .. }), "{error}");
    for (bad, argument) in [
        (WoxParams { tau: 0.0, ..params }, "tau"),
        (WoxParams { w_min: 1.5, ..params }, "w_min"),
        (WoxParams { dt: 0.1, ..params }, "dt"),
        (WoxParams { lambda: f64::NAN, ..params }, "lambda"),
    ] {
        let error = wox_node(v(), None, &bad).expect_err("bad constant refused");
        assert!(matches!(error, NeuroError::Range { argument: a, .. } if a == argument), "{error}");
    }
}
