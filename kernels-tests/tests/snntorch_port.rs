//! The traps an snnTorch user porting tutorials 5 and 6, a recurrent loop and an analog first
//! layer hit, each pinned by a test; and snnTorch's temporal losses, membrane cross-entropy and
//! sparsity penalty against values computed by snnTorch 1.0 itself (torch 2, f32).

use burn::module::Module;
use burn::tensor::{DType, Int, Tensor, TensorData};
use burn_neuro::analog::config::ProgrammingNoise;
use burn_neuro::analog::{AnalogLinearConfig, CrossbarConfig};
use burn_neuro::neuron::{CustomSurrogate, ResetMode, Surrogate};
use burn_neuro::snn::loss::{TemporalTargets, accuracy_temporal, ce_max_membrane_loss, l1_rate_sparsity, mse_temporal_loss};
use burn_neuro::snn::{LeakyConfig, NeuronOutput, NeuronState, RLeakyConfig, SynapticConfig};
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};

fn labels(values: &[i64], device: &burn::tensor::Device) -> Tensor<1, Int> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
}

/// Spikes `[4, 2, 3]`: b0 n0 fires at 1 and 3, n1 never, n2 at 0; b1 n0 at 2, n1 at 3, n2 always.
fn temporal_spikes() -> Vec<f32> {
    vec![
        0., 0., 1., 0., 0., 1., //
        1., 0., 0., 0., 0., 1., //
        0., 0., 0., 1., 0., 1., //
        1., 0., 0., 0., 1., 1.,
    ]
}

/// `[T, B, N]` gradient with the given `(t, b, n, value)` entries, zero elsewhere.
fn sparse_grad(entries: &[(usize, usize, usize, f32)], [steps, batch, n]: [usize; 3]) -> Vec<f32> {
    let mut out = vec![0.0; steps * batch * n];
    for &(t, b, c, v) in entries {
        out[(t * batch + b) * n + c] = v;
    }
    out
}

#[test]
fn mse_temporal_loss_matches_snntorch() {
    for device in [gpu().autodiff(), cpu().autodiff()] {
        let run = |options: TemporalTargets| {
            let spikes = tensor(temporal_spikes(), [4, 2, 3], DType::F32, &device).require_grad();
            let loss = mse_temporal_loss(spikes.clone(), labels(&[2, 1], &device), options).expect("valid");
            let grads = loss.backward();
            (values(loss), values(spikes.grad(&grads).expect("spikes learn")))
        };
        // snnTorch's defaults (on 0, off −1): its clamp makes every target 0.
        let (loss, grad) = run(TemporalTargets::default());
        assert_close(&loss, &[23.0 / 96.0], 1e-6, 1e-6, "defaults");
        let expected = sparse_grad(&[(1, 0, 0, -0.020833334), (3, 0, 1, -0.0625), (2, 1, 0, -0.041666668), (3, 1, 1, -0.0625)], [4, 2, 3]);
        assert_close(&grad, &expected, 1e-7, 1e-5, "defaults: the silent neuron's gradient lands on the last step");
        // on 1, off 3, tolerance 2: the near ones snap to their targets (no loss, no gradient).
        let (loss, grad) = run(TemporalTargets { on_target: 1.0, off_target: 3.0, tolerance: 2.0 });
        assert_close(&loss, &[17.0 / 96.0], 1e-6, 1e-6, "tolerance");
        let expected = sparse_grad(&[(1, 0, 0, 0.041666668), (0, 1, 2, 0.0625), (3, 1, 1, -0.041666668)], [4, 2, 3]);
        assert_close(&grad, &expected, 1e-7, 1e-5, "tolerance gradient");
        let (loss, _) = run(TemporalTargets { on_target: 1.0, off_target: 3.0, tolerance: 0.0 });
        assert_close(&loss, &[19.0 / 96.0], 1e-6, 1e-6, "no tolerance");
        // on 3, off −1 takes the clamp branch too: targets [[0,0,3],[0,3,0]].
        let (loss, _) = run(TemporalTargets { on_target: 3.0, off_target: -1.0, tolerance: 0.0 });
        assert_close(&loss, &[23.0 / 96.0], 1e-6, 1e-6, "clamp branch");
    }
}

#[test]
fn ce_max_membrane_loss_matches_snntorch() {
    let membrane = vec![
        0.1, 0.5, -0.2, 1.0, 0.0, 0.3, //
        0.4, 0.9, 0.0, -1.0, 0.2, 0.3, //
        0.2, 0.3, 0.6, 0.5, 2.0, 0.1, //
        0.0, 0.9, -0.5, 0.7, 0.1, 0.25,
    ];
    for device in [gpu().autodiff(), cpu().autodiff()] {
        let mem = tensor(membrane.clone(), [4, 2, 3], DType::F32, &device).require_grad();
        let loss = ce_max_membrane_loss(mem.clone(), labels(&[2, 0], &device), Default::default()).expect("valid");
        assert_close(&values(loss.clone()), &[1.2959522], 1e-6, 1e-6, "ce_max_membrane_loss");
        let grad = values(mem.grad(&loss.backward()).expect("membrane learns"));
        // Nonzero only at each neuron's maximum (b0 c1 peaks twice, at t1 and t3: torch routes
        // to the first, t1, and so do Burn's backends here).
        let expected = sparse_grad(
            &[
                (1, 0, 0, 0.129194826),
                (1, 0, 1, 0.213006258),
                (2, 0, 2, -0.342201054),
                (0, 1, 0, -0.381372273),
                (2, 1, 1, 0.322463542),
                (0, 1, 2, 0.0589087792),
            ],
            [4, 2, 3],
        );
        assert_close(&grad, &expected, 1e-6, 1e-5, "gradient at the peaks only");
        let total: f32 = grad.iter().sum();
        assert!(total.abs() < 1e-5, "log-softmax gradients sum to 0 per example: {total}");
    }
}

#[test]
fn accuracy_temporal_and_l1_rate_sparsity_match_snntorch() {
    let device = gpu();
    // b0 fires first at n1 (t1), b1 ties n0/n2 at t1 → n0, b2 fires only at t3 (n1), b3 is silent → n0.
    let mut spikes = vec![0.0; 4 * 4 * 3];
    for (t, b, n) in [(2, 0, 0), (1, 0, 1), (3, 0, 2), (1, 1, 0), (1, 1, 2), (3, 2, 1)] {
        spikes[(t * 4 + b) * 3 + n] = 1.0;
    }
    let spikes = tensor(spikes, [4, 4, 3], DType::F32, &device);
    assert_eq!(accuracy_temporal(spikes.clone(), labels(&[1, 0, 1, 0], &device)).expect("valid"), 0.75);
    assert_eq!(accuracy_temporal(spikes, labels(&[1, 2, 1, 0], &device)).expect("valid"), 0.5);
    let spikes = tensor(temporal_spikes(), [4, 2, 3], DType::F32, &device);
    assert_close(&values(l1_rate_sparsity(spikes, 1e-5).expect("valid")), &[9.0e-5], 1e-10, 1e-6, "λ·Σ spikes");
    let graded = tensor(vec![0.5, -1.0, 2.0, 3.0, 0.25, 0.0], [2, 3], DType::F32, &device);
    assert_close(&values(l1_rate_sparsity(graded, 0.1).expect("valid")), &[0.475], 1e-7, 1e-6, "a sum, no absolute value");
}

/// Trap: a per-step `[batch, N]` tensor handed to the multi-step `forward` had its batch read
/// as time.
#[test]
fn a_per_step_tensor_into_forward_is_refused() {
    let device = gpu();
    let leaky = LeakyConfig::new(0.9).init(&device).expect("valid");
    let per_step = tensor(vec![0.5; 8 * 10], [8, 10], DType::F32, &device);
    let err = leaky.try_forward(per_step.clone(), None).expect_err("[batch, N] is one step");
    assert!(err.to_string().contains("[T, batch, ...]") && err.to_string().contains("`step`"), "{err}");
    assert_eq!(leaky.try_step(per_step, None).expect("one step").spikes.dims(), [8, 10]);
    // A conv layer with per-neuron parameters: a per-step [B, C, H, W] has the wrong trailing dims.
    let conv = LeakyConfig::new(0.9).with_neurons(Some(2 * 3 * 3)).init(&device).expect("valid");
    let image_step = tensor(vec![0.5; 4 * 2 * 3 * 3], [4, 2, 3, 3], DType::F32, &device);
    let err = conv.try_forward(image_step.clone(), None).expect_err("per-step image");
    assert!(err.to_string().contains("18 neurons"), "{err}");
    assert!(conv.try_forward(image_step.unsqueeze_dim::<5>(0), None).is_ok(), "[T = 1, B, C, H, W] runs");
    let synaptic = SynapticConfig::new(0.5, 0.9).init(&device).expect("valid");
    assert!(synaptic.try_forward(tensor(vec![0.5; 6], [2, 3], DType::F32, &device), None).is_err());
    let recurrent = RLeakyConfig::new(0.9, 3).init(&device).expect("valid");
    assert!(recurrent.try_forward(tensor(vec![0.5; 6], [2, 3], DType::F32, &device), None).is_err());
}

/// snnTorch's zero reset, hand-computed from its code for each class: `Leaky` zeroes the old
/// membrane, `Synaptic` and `RLeaky` the whole new one.
#[test]
fn zero_reset_means_snntorchs_zero_reset_in_every_module() {
    let device = gpu();
    let input = [1.5f32, 0.2, 0.7, 0.1];
    let x = tensor(input.to_vec(), [4, 1, 1], DType::F32, &device);
    let (beta, alpha) = (0.8f32, 0.5f32);
    // Leaky: mem = β·(1 − R)·mem + x.
    let (mut mem, mut leaky) = (0.0f32, Vec::new());
    // Synaptic: syn = α·syn + x; mem = (1 − R)·(β·mem + syn).
    let (mut syn, mut smem, mut synaptic) = (0.0f32, 0.0f32, Vec::new());
    for &xt in &input {
        let r = if mem > 1.0 { 1.0 } else { 0.0 };
        mem = beta * (1.0 - r) * mem + xt;
        leaky.push(mem);
        let r = if smem > 1.0 { 1.0 } else { 0.0 };
        syn = alpha * syn + xt;
        smem = (1.0 - r) * (beta * smem + syn);
        synaptic.push(smem);
    }
    let run_leaky = LeakyConfig::new(beta).with_reset(ResetMode::Zero).init(&device).expect("valid").forward(x.clone(), None);
    assert_close(&values(run_leaky.membrane), &leaky, 1e-6, 1e-6, "Leaky zero reset");
    let run_synaptic = SynapticConfig::new(alpha, beta).with_reset(ResetMode::Zero).init(&device).expect("valid").forward(x.clone(), None);
    assert_close(&values(run_synaptic.membrane), &synaptic, 1e-6, 1e-6, "Synaptic zero reset");
    for alpha in [None, Some(0.5)] {
        let recurrent = |reset| {
            let layer = RLeakyConfig::new(beta, 1).with_alpha(alpha).with_all_to_all(false).with_reset(reset).init(&device).expect("valid");
            values(layer.forward(x.clone(), None).membrane)
        };
        assert_eq!(recurrent(ResetMode::Zero), recurrent(ResetMode::ZeroAll), "RLeaky/RSynaptic ({alpha:?}): snnTorch's zero reset");
        assert_ne!(recurrent(ResetMode::Zero), recurrent(ResetMode::Subtract));
    }
}

/// A custom surrogate on a module runs the tensor-op path; with the fast sigmoid's
/// antiderivative it must reproduce the built-in fast sigmoid's values and gradients.
#[test]
fn custom_surrogates_work_on_every_module() {
    let device = gpu().autodiff();
    let k = 25.0;
    let fast_sigmoid = CustomSurrogate::new(move |x: Tensor<2>| x.clone() / (x.abs() * k + 1.0));
    let x = || tensor(uniform(6 * 2 * 5, 3, -0.2, 0.9), [6, 2, 5], DType::F32, &device).require_grad();
    let check = |name: &str, builtin: &dyn Fn(Tensor<3>) -> NeuronOutput<3>, custom: &dyn Fn(Tensor<3>) -> NeuronOutput<3>| {
        let (xa, xb) = (x(), x());
        let (a, b) = (builtin(xa.clone()), custom(xb.clone()));
        assert_eq!(values(a.spikes.clone()), values(b.spikes.clone()), "{name}: same spikes");
        assert_close(&values(a.membrane.clone()), &values(b.membrane.clone()), 1e-5, 1e-5, name);
        let ga = values(xa.grad(&(a.spikes.sum() + a.membrane.sum()).backward()).expect("input learns"));
        let gb = values(xb.grad(&(b.spikes.sum() + b.membrane.sum()).backward()).expect("input learns"));
        assert!(ga.iter().any(|g| *g != 0.0), "{name}: gradients flow");
        assert_close(&gb, &ga, 1e-4, 1e-3, &format!("{name}: custom φ' equals the built-in surrogate"));
    };
    let leaky = LeakyConfig::new(0.9).with_surrogate(Surrogate::FastSigmoid { slope: k }).init(&device).expect("valid");
    let custom = leaky.clone().with_custom_surrogate(fast_sigmoid.clone());
    check("Leaky", &|x| leaky.forward(x, None), &|x| custom.forward(x, None));
    let synaptic = SynapticConfig::new(0.6, 0.9).with_surrogate(Surrogate::FastSigmoid { slope: k }).init(&device).expect("valid");
    let custom = synaptic.clone().with_custom_surrogate(fast_sigmoid.clone());
    check("Synaptic", &|x| synaptic.forward(x, None), &|x| custom.forward(x, None));
    let rleaky = RLeakyConfig::new(0.9, 5).with_all_to_all(false).with_surrogate(Surrogate::FastSigmoid { slope: k }).init(&device).expect("valid");
    let custom = rleaky.clone().with_custom_surrogate(fast_sigmoid.clone());
    check("RLeaky", &|x| rleaky.forward(x, None), &|x| custom.forward(x, None));
    let alpha = burn_neuro::snn::AlphaConfig::new(0.9, 0.8).with_surrogate(Surrogate::FastSigmoid { slope: k }).init(&device).expect("valid");
    let custom = alpha.clone().with_custom_surrogate(fast_sigmoid.clone());
    check("Alpha", &|x| alpha.forward(x, None), &|x| custom.forward(x, None));
    // Per-neuron parameters tile over the batch as in the kernels.
    let betas: Vec<f32> = (0..5).map(|i| 0.5 + 0.1 * i as f32).collect();
    let per_neuron = LeakyConfig::new(0.9).with_beta_per_neuron(Some(betas)).with_surrogate(Surrogate::FastSigmoid { slope: k });
    let per_neuron = per_neuron.init(&device).expect("valid");
    let custom = per_neuron.clone().with_custom_surrogate(fast_sigmoid.clone());
    check("Leaky, per-neuron β", &|x| per_neuron.forward(x, None), &|x| custom.forward(x, None));
    // The step form carries its state as the multi-step form does.
    let synaptic = SynapticConfig::new(0.6, 0.9).init(&device).expect("valid").with_custom_surrogate(fast_sigmoid);
    let input = x();
    let all = synaptic.forward(input.clone(), None);
    let mut state: Option<NeuronState<2>> = None;
    for t in 0..6 {
        let out = synaptic.step(input.clone().slice([t..t + 1]).reshape([2, 5]), state.take());
        assert_close(&values(out.membrane.clone()), &values(all.membrane.clone().slice([t..t + 1])), 1e-6, 1e-6, "step loop = forward");
        state = Some(out.into_state());
    }
}

/// Trap: `AnalogLinear::forward` programmed a new chip on every call, also when evaluating, and
/// the one-chip path (`program` + `read`) dropped the bias.
#[test]
fn analog_linear_evaluates_on_one_chip_with_its_bias() {
    let device = gpu();
    // Programming noise makes chips differ; no read or output noise, so one chip reads the
    // same twice.
    let crossbar = CrossbarConfig::ideal().with_programming_noise(ProgrammingNoise::Constant(1.0)).with_seed(3);
    let config = AnalogLinearConfig::new(16, 4).with_crossbar(crossbar);
    let trained = config.init(&device.clone().autodiff()).expect("valid");
    let x = tensor(uniform(3 * 16, 9, -1.0, 1.0), [3, 16], DType::F32, &device);
    let xa = tensor(uniform(3 * 16, 9, -1.0, 1.0), [3, 16], DType::F32, &device.clone().autodiff());
    // Training forwards: a new realisation each call.
    assert_ne!(values(trained.forward(xa.clone())), values(trained.forward(xa)), "training draws new chips");
    let eval = trained.valid();
    let (first, second) = (values(eval.forward(x.clone())), values(eval.forward(x.clone())));
    assert_eq!(first, second, "evaluation reads one programmed chip");
    let chip = eval.program().expect("programs");
    assert_eq!(values(eval.forward_programmed(&chip, x.clone()).expect("reads")), first, "the same chip, bias included");
    let bias = values(eval.bias.as_ref().expect("bias").val());
    let without: Vec<f32> = values(chip.read(x.clone()).expect("reads"));
    assert!(first.iter().zip(&without).enumerate().all(|(i, (a, b))| (a - b - bias[i % 4]).abs() < 1e-5), "the layer adds its bias");
    eval.reprogram();
    assert_eq!(values(eval.forward(x.clone())), first, "reprogramming unchanged weights with the same seed gives the same chip");
    let mut eval = eval;
    eval.crossbar = eval.crossbar.clone().with_seed(4);
    assert_ne!(values(eval.forward(x)), first, "another seed is another chip, without reprogram()");
}
