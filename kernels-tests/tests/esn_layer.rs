//! The echo-state layer kernel (`shaders/esn_layer_forward.wgsl`: one workgroup per sequence, the
//! state in workgroup memory): GPU vs CPU reference on sizes around the workgroup and up to the
//! largest layer, batches, and the deep network built on it; bad input.

use burn::tensor::{DType, Tensor};
use burn_neuro::NeuroError;
use burn_neuro::kernels::esn_layer::ESN_MAX_UNITS;
use burn_neuro::reference::esn_layer as reference;
use burn_neuro::reservoir::{DeepEsn, DeepEsnConfig, EsnNode, WoxParams, esn_layer};
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};

#[test]
fn layer_matches_the_reference_on_gpu_and_cpu() {
    for device in [gpu(), cpu()] {
        // N = 1, one off the workgroup, several rows per invocation, and the largest layer.
        for (batch, steps, n) in [(1, 1, 1), (3, 20, 257), (2, 6, 700), (1, 3, ESN_MAX_UNITS)] {
            let drive = uniform(batch * steps * n, 1, -1.0, 1.0);
            // Spectral radius about 0.9 for uniform ±s entries: s ≈ 0.9·√3/√N.
            let s = 0.9 * 3f32.sqrt() / (n as f32).sqrt();
            let weight_t = uniform(n * n, 2, -s, s);
            let initial = uniform(batch * n, 3, -0.5, 0.5);
            let out = esn_layer(
                tensor(drive.clone(), [batch, steps, n], DType::F32, &device),
                tensor(weight_t.clone(), [n, n], DType::F32, &device),
                Some(tensor(initial.clone(), [batch, n], DType::F32, &device)),
                0.7,
            )
            .expect("valid call");
            let expected = reference::forward(&drive, &weight_t, &initial, 0.7, batch, steps, n);
            // GPU tanh is not correctly rounded and sums may fuse multiply-adds.
            assert_close(&values(out), &expected, 2e-5, 1e-4, &format!("{device:?} [{batch}, {steps}, {n}]"));
        }
    }
}

#[test]
fn deep_networks_agree_on_gpu_and_cpu() {
    let input: Vec<f32> = uniform(200, 4, 0.0, 0.5);
    for node in [EsnNode::Tanh, EsnNode::Wox(WoxParams::default())] {
        let config = DeepEsnConfig { sizes: vec![50, 30, 20], leak: 0.8, inter_scaling: 0.5, node, ..Default::default() };
        let on_gpu = DeepEsn::new(&config, 1, &gpu()).expect("valid config").run(&input, 200).expect("run");
        let on_cpu = DeepEsn::new(&config, 1, &cpu()).expect("valid config").run(&input, 200).expect("run");
        assert_eq!(on_gpu.iter().map(Vec::len).collect::<Vec<_>>(), [200 * 50, 200 * 30, 200 * 20]);
        for (l, (g, c)) in on_gpu.iter().zip(&on_cpu).enumerate() {
            assert_close(g, c, 1e-4, 1e-3, &format!("{node:?} layer {l}"));
            // Every layer moves: the stack passes its input up.
            let spread = c.iter().fold(f32::MIN, |a, b| a.max(*b)) - c.iter().fold(f32::MAX, |a, b| a.min(*b));
            assert!(spread > 1e-2, "{node:?} layer {l} is flat: spread {spread}");
        }
    }
}

#[test]
fn bad_input_names_the_argument() {
    let device = gpu();
    let drive = || Tensor::<3>::zeros([1, 4, 3], &device);
    let error = esn_layer(drive(), Tensor::<2>::zeros([3, 2], &device), None, 1.0).expect_err("non-square W");
    assert!(matches!(error, NeuroError::Shape { argument: "weight_t", .. }), "{error}");
    let error = esn_layer(drive(), Tensor::<2>::zeros([3, 3], &device), None, 0.0).expect_err("leak 0");
    assert!(matches!(error, NeuroError::Range { argument: "leak", .. }), "{error}");
    let error = esn_layer(Tensor::<3>::zeros([1, 2, ESN_MAX_UNITS + 1], &device), Tensor::<2>::zeros([1, 1], &device), None, 1.0)
        .expect_err("too many units");
    assert!(matches!(error, NeuroError::Shape { argument: "drive", .. }), "{error}");
    let error = DeepEsn::new(&DeepEsnConfig { sizes: vec![10, 0], ..Default::default() }, 1, &device).expect_err("an empty layer");
    assert!(matches!(error, NeuroError::Range { argument: "sizes", .. }), "{error}");
    let error = DeepEsn::new(&DeepEsnConfig { density: 0.0, ..Default::default() }, 1, &device).expect_err("density 0");
    assert!(matches!(error, NeuroError::Range { argument: "density", .. }), "{error}");
    let esn = DeepEsn::new(&DeepEsnConfig::default(), 2, &device).expect("valid config");
    let error = esn.run(&[0.0; 5], 3).expect_err("5 values for [3, 2]");
    assert!(matches!(error, NeuroError::Shape { argument: "input", .. }), "{error}");
}
