//! Truncated BPTT for every neuron layer: the chunked run gives the full run's values, and a
//! loss on the last step sends gradients only into the last chunk.

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::snn::truncated::{NeuronLayer, forward_truncated};
use burn_neuro::snn::{AlphaConfig, LapicqueConfig, LeakyConfig, RLeakyConfig, SynapticConfig};
use kernels_tests::{assert_close, gpu, tensor, uniform, values};

const STEPS: usize = 10;
const FEATURES: usize = 6;
const CHUNK: usize = 4;

/// An output's `[T, ...]` tensors in the kind's table order (spikes first, then the membrane).
fn planes(output: &burn_neuro::NeuronOutput<3>) -> Vec<Tensor<3>> {
    output.kind.layout().outputs.iter().map(|&plane| output.plane(plane).expect("the kind writes its planes").clone()).collect()
}

/// Checks one layer against the full run, plane by plane.
fn check<L: NeuronLayer<3>>(name: &str, layer: &L, device: &Device) {
    let x = tensor(uniform(STEPS * 2 * FEATURES, 90, -0.1, 0.9), [STEPS, 2, FEATURES], DType::F32, device).require_grad();
    let full = planes(&layer.run(x.clone(), None).expect("valid"));
    let chunked = planes(&forward_truncated(layer, x.clone(), None, CHUNK).expect("valid"));
    assert!(values(full[0].clone()).iter().sum::<f32>() > 0.0, "{name}: the layer fires");
    for (k, (a, b)) in chunked.iter().zip(&full).enumerate() {
        assert_close(&values(a.clone()), &values(b.clone()), 1e-6, 1e-6, &format!("{name}: plane {k}"));
    }
    let membrane = chunked[1].clone();
    let grads = membrane.slice([STEPS - 1..STEPS]).sum().backward();
    let g = values(x.grad(&grads).expect("dX"));
    // Chunks [0, 4), [4, 8), [8, 10): only the last one sees the loss.
    let cut = 8 * 2 * FEATURES;
    assert!(g[..cut].iter().all(|v| *v == 0.0), "{name}: earlier chunks get no gradient");
    assert!(g[cut..].iter().any(|v| *v != 0.0), "{name}: the last chunk does");
    assert!(forward_truncated(layer, x, None, 0).is_err(), "{name}: chunk 0 is an error");
}

#[test]
fn every_neuron_layer_truncates_like_the_full_run() {
    let device = gpu().autodiff();
    let leaky = LeakyConfig::new(0.8).with_graded_spikes_factor(1.5).init(&device).expect("valid");
    check("Leaky", &leaky, &device);
    let lapicque = LapicqueConfig::from_beta(0.8).with_threshold(0.3).init(&device).expect("valid");
    check("Lapicque", &lapicque, &device);
    let synaptic = SynapticConfig::new(0.6, 0.8).init(&device).expect("valid");
    check("Synaptic", &synaptic, &device);
    let alpha = AlphaConfig::new(0.9, 0.7).init(&device).expect("valid");
    check("Alpha", &alpha, &device);
    for all_to_all in [false, true] {
        for alpha in [None, Some(0.5)] {
            let layer = RLeakyConfig::new(0.8, FEATURES)
                .with_all_to_all(all_to_all)
                .with_alpha(alpha)
                .with_recurrent_weight(0.3)
                .init(&device)
                .expect("valid");
            let name = format!("RLeaky all_to_all={all_to_all} alpha={alpha:?}");
            check(&name, &layer, &device);
        }
    }
}
