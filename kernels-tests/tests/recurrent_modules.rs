//! The `RLeaky`/`RSynaptic` module: all-to-all recurrence through a `Linear` (one launch and one
//! matmul per step) against the fused one-to-one kernel, snnTorch's bias at t = 0, learning,
//! graded spikes, the single-step form, and errors.

use burn::module::Param;
use burn::tensor::{DType, Device, Tensor};
use burn_neuro::snn::{RLeaky, RLeakyConfig};
use kernels_tests::{assert_close, gpu, tensor, uniform, values};

const FEATURES: usize = 7;

/// Sets the all-to-all Linear to `weight · I` plus `bias`.
fn with_diagonal(mut layer: RLeaky, weight: f32, bias: f32, device: &Device) -> RLeaky {
    let linear = layer.all_to_all.as_mut().expect("all-to-all");
    let mut w = vec![0.0; FEATURES * FEATURES];
    for k in 0..FEATURES {
        w[k * FEATURES + k] = weight;
    }
    linear.weight = Param::from_tensor(tensor(w, [FEATURES, FEATURES], DType::F32, device));
    linear.bias = Some(Param::from_tensor(tensor(vec![bias; FEATURES], [FEATURES], DType::F32, device)));
    layer
}

#[test]
fn diagonal_all_to_all_equals_the_fused_one_to_one_kernel() {
    let device = gpu();
    let x = || tensor(uniform(10 * 3 * FEATURES, 40, -0.2, 0.7), [10, 3, FEATURES], DType::F32, &device);
    for (alpha, per_neuron) in [(None, false), (None, true), (Some(0.6), false), (Some(0.6), true)] {
        let config = RLeakyConfig::new(0.85, FEATURES).with_alpha(alpha).with_per_neuron(per_neuron);
        let one_to_one = config.clone().with_all_to_all(false).with_recurrent_weight(-0.4).init(&device).expect("valid");
        let all_to_all = with_diagonal(config.init(&device).expect("valid"), -0.4, 0.0, &device);
        let (fused, looped) = (one_to_one.try_forward(x(), None).expect("valid"), all_to_all.try_forward(x(), None).expect("valid"));
        let spikes = values(fused.spikes);
        assert!(spikes.iter().sum::<f32>() > 0.0, "the layer fires");
        assert_eq!(values(looped.spikes), spikes, "spikes, α = {alpha:?}");
        assert_close(&values(looped.membrane), &values(fused.membrane), 1e-6, 1e-6, "membrane");
        assert_eq!(looped.synaptic.is_some(), alpha.is_some());
        if let (Some(a), Some(b)) = (looped.synaptic, fused.synaptic) {
            assert_close(&values(a), &values(b), 1e-6, 1e-6, "current");
        }
    }
}

#[test]
fn the_bias_enters_at_the_first_step_as_in_snntorch() {
    let device = gpu();
    let zeros = || Tensor::<3>::zeros([3, 1, FEATURES], (&device, DType::F32));
    let layer = RLeakyConfig::new(0.9, FEATURES).init(&device).expect("valid");
    let biased = with_diagonal(layer, 0.0, 1.5, &device);
    let out = values(biased.try_forward(zeros(), None).expect("valid").spikes);
    assert_eq!(&out[..FEATURES], &[1.0; FEATURES], "U[0] = bias = 1.5 > θ");
    let unbiased = with_diagonal(RLeakyConfig::new(0.9, FEATURES).init(&device).expect("valid"), 0.0, 0.0, &device);
    assert_eq!(values(unbiased.try_forward(zeros(), None).expect("valid").spikes), vec![0.0; 3 * FEATURES]);
}

#[test]
fn recurrent_weights_learn_unless_frozen() {
    let device = gpu().autodiff();
    let x = || tensor(uniform(8 * 2 * FEATURES, 41, 0.0, 0.9), [8, 2, FEATURES], DType::F32, &device);
    let layer = RLeakyConfig::new(0.8, FEATURES).init(&device).expect("valid");
    let grads = layer.try_forward(x(), None).expect("valid").membrane.sum().backward();
    let linear = layer.all_to_all.as_ref().expect("all-to-all");
    let d_weight = values(linear.weight.grad(&grads).expect("W learns"));
    assert!(d_weight.iter().any(|g| *g != 0.0));
    assert!(linear.bias.as_ref().expect("bias").grad(&grads).is_some());
    let one_to_one = RLeakyConfig::new(0.8, FEATURES).with_all_to_all(false).with_alpha(Some(0.5)).init(&device).expect("valid");
    let grads = one_to_one.try_forward(x(), None).expect("valid").membrane.sum().backward();
    assert!(one_to_one.one_to_one.as_ref().expect("V").grad(&grads).is_some(), "V learns");
    let frozen = RLeakyConfig::new(0.8, FEATURES).with_all_to_all(false).with_learn_recurrent(false).init(&device).expect("valid");
    // The input is tracked so the graph has a leaf to differentiate.
    let grads = frozen.try_forward(x().require_grad(), None).expect("valid").membrane.sum().backward();
    assert!(frozen.one_to_one.as_ref().expect("V").grad(&grads).is_none(), "V is frozen");
}

#[test]
fn bad_configurations_and_inputs_name_their_argument() {
    let device = gpu();
    let layer = RLeakyConfig::new(0.8, FEATURES).init(&device).expect("valid");
    let err = layer.try_forward(tensor(vec![0.0; 2 * 5], [2, 5], DType::F32, &device), None).unwrap_err();
    assert!(err.to_string().contains("input"), "{err}");
    assert!(RLeakyConfig::new(1.5, FEATURES).init(&device).unwrap_err().to_string().contains("beta"));
    assert!(RLeakyConfig::new(0.5, FEATURES).with_alpha(Some(-0.1)).init(&device).unwrap_err().to_string().contains("alpha"));
    assert!(RLeakyConfig::new(0.5, 0).init(&device).unwrap_err().to_string().contains("features"));
}

#[test]
fn per_neuron_parameters_learn_one_value_per_feature() {
    let device = gpu().autodiff();
    let x = tensor(uniform(6 * 2 * FEATURES, 42, 0.0, 0.9), [6, 2, FEATURES], DType::F32, &device);
    let layer = RLeakyConfig::new(0.8, FEATURES).with_all_to_all(false).with_per_neuron(true).with_learn_beta(true).init(&device).expect("valid");
    let grads = layer.try_forward(x, None).expect("valid").membrane.sum().backward();
    assert_eq!(values(layer.beta.grad(&grads).expect("β learns")).len(), FEATURES);
    assert_eq!(values(layer.one_to_one.as_ref().expect("V").grad(&grads).expect("V learns")).len(), FEATURES);
}

/// Graded spikes: the recurrence sees the scaled spikes (snnTorch feeds `spk · gsf` back), so
/// the fused one-to-one kernel (weight V·g) equals a diagonal all-to-all Linear fed the graded
/// spikes, from a given initial state too; and a loop of `step` calls equals `forward`.
#[test]
fn graded_spikes_recur_scaled_and_steps_equal_the_multi_step_forward() {
    use burn_neuro::NeuronState;
    let device = gpu();
    let (steps, batch) = (9, 2);
    let x = || tensor(uniform(steps * batch * FEATURES, 43, -0.2, 0.8), [steps, batch, FEATURES], DType::F32, &device);
    let one_step = [1, batch, FEATURES];
    let initial = |synaptic: bool| NeuronState {
        membrane: tensor(uniform(batch * FEATURES, 44, 0.0, 1.2), one_step, DType::F32, &device),
        // Emitted spikes of a graded layer: 0 or g = 2.
        spikes: Some(tensor(
            uniform(batch * FEATURES, 45, 0.0, 1.0).iter().map(|u| if *u < 0.5 { 2.0 } else { 0.0 }).collect(),
            one_step,
            DType::F32,
            &device,
        )),
        synaptic: synaptic.then(|| tensor(uniform(batch * FEATURES, 46, 0.0, 0.5), one_step, DType::F32, &device)),
        excitatory: None,
        inhibitory: None,
    };
    for alpha in [None, Some(0.6)] {
        let config = RLeakyConfig::new(0.85, FEATURES).with_alpha(alpha).with_graded_spikes_factor(2.0);
        let one_to_one = config.clone().with_all_to_all(false).with_recurrent_weight(-0.3).init(&device).expect("valid");
        let all_to_all = with_diagonal(config.init(&device).expect("valid"), -0.3, 0.0, &device);
        for layer in [&one_to_one, &all_to_all] {
            let whole = layer.try_forward(x(), Some(initial(alpha.is_some()))).expect("valid");
            let spikes = values(whole.spikes.clone());
            assert!(spikes.iter().all(|s| *s == 0.0 || *s == 2.0) && spikes.contains(&2.0), "graded spikes are emitted");
            // Step by step from the same state.
            let first = initial(alpha.is_some());
            let squeeze = |t: Tensor<3>| t.reshape([batch, FEATURES]);
            let mut state = NeuronState {
                membrane: squeeze(first.membrane),
                spikes: first.spikes.map(squeeze),
                synaptic: first.synaptic.map(squeeze),
                excitatory: None,
                inhibitory: None,
            };
            let mut stepped = Vec::new();
            for t in 0..steps {
                let out = layer.try_step(x().slice([t..t + 1]).reshape([batch, FEATURES]), Some(state)).expect("valid");
                stepped.extend(values(out.spikes.clone()));
                state = NeuronState { membrane: out.membrane, spikes: Some(out.spikes), synaptic: out.synaptic, excitatory: None, inhibitory: None };
            }
            assert_eq!(stepped, spikes, "step loop = forward, α = {alpha:?}");
        }
        let (a, b) = (
            one_to_one.try_forward(x(), Some(initial(alpha.is_some()))).expect("valid"),
            all_to_all.try_forward(x(), Some(initial(alpha.is_some()))).expect("valid"),
        );
        assert_eq!(values(a.spikes), values(b.spikes), "one-to-one (V·g) = diagonal all-to-all on graded spikes, α = {alpha:?}");
        assert_close(&values(a.membrane), &values(b.membrane), 1e-6, 1e-6, "membrane");
    }
}
