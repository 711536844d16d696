//! Fused LIF backward: snnTorch's golden gradients, and gradients equal to Burn autodiff through
//! the same LIF written with plain tensor ops.

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::ops::lif_composite::lif_composite as plain_lif;
use burn_neuro::{LifSpec, Neuron, ResetMode, Surrogate, lif};
use kernels_tests::{assert_close, cpu, f16_or_skip, gpu, tensor, to_f16_values, uniform, values};

/// references.md "Golden gradients": N = 3, T = 8, learnable β = 0.8 and θ = 1.0 (one each).
#[test]
fn golden_gradients_match_snntorch_on_gpu_and_cpu() {
    let x = [
        [0.30, -0.20, 0.90],
        [0.50, 0.40, 0.10],
        [0.70, 0.80, -0.30],
        [0.10, 0.60, 1.20],
        [0.90, -0.50, 0.20],
        [0.20, 0.30, 0.60],
        [0.60, 0.90, 0.00],
        [0.40, 0.10, 0.50],
    ];
    let x: Vec<f32> = x.iter().flatten().copied().collect();
    let (ws, wm) = ([1.0, -2.0, 0.5], [0.3, 0.7, -0.4]);
    struct Case {
        reset: ResetMode,
        surrogate: Surrogate,
        loss: f32,
        d_beta: f32,
        d_theta: f32,
        d_x_first_row: [f32; 3],
        d_x_last_row: [f32; 3],
    }
    let cases = [
        Case {
            reset: ResetMode::Subtract,
            surrogate: Surrogate::atan(),
            loss: 2.44039949,
            d_beta: 6.68555969,
            d_theta: -3.29487845,
            d_x_first_row: [3.0357984, -0.0269565, -0.3969243],
            d_x_last_row: [1.1819113, -0.7942656, 0.0684737],
        },
        Case {
            reset: ResetMode::Subtract,
            surrogate: Surrogate::fast_sigmoid(),
            loss: 2.44039949,
            d_beta: 3.98366483,
            d_theta: -2.61689411,
            d_x_first_row: [1.5903755, 1.9551805, -1.5781636],
            d_x_last_row: [0.3653456, 0.6368919, -0.3467533],
        },
        Case {
            reset: ResetMode::Zero,
            surrogate: Surrogate::atan(),
            loss: 2.29,
            d_beta: 2.56105124,
            d_theta: 0.0259661263,
            d_x_first_row: [1.7307364, 0.0120515, -0.282689],
            d_x_last_row: [0.5196326, -0.5597657, 0.0990889],
        },
        Case {
            reset: ResetMode::Zero,
            surrogate: Surrogate::fast_sigmoid(),
            loss: 2.29,
            d_beta: -0.153223285,
            d_theta: 0.162201388,
            d_x_first_row: [0.7584342, 1.1627155, -1.124179],
            d_x_last_row: [0.3039062, 0.6603253, -0.1215415],
        },
    ];
    for device in [gpu().autodiff(), cpu().autodiff()] {
        for case in &cases {
            let beta = tensor(vec![0.8], [1], DType::F32, &device).require_grad();
            let theta = tensor(vec![1.0], [1], DType::F32, &device).require_grad();
            let input = tensor(x.clone(), [8, 3], DType::F32, &device).require_grad();
            let spec = LifSpec { reset: case.reset, reset_delay: true, surrogate: case.surrogate, state_quant: None, ..LifSpec::default() };
            let neuron = Neuron::leaky(beta.clone()).with_threshold(theta.clone()).with_spec(spec);
            let out = lif(input.clone(), None, &neuron).expect("valid call");
            let ws = tensor(ws.to_vec(), [1, 3], DType::F32, &device);
            let wm = tensor(wm.to_vec(), [1, 3], DType::F32, &device);
            let loss = (out.spikes * ws + out.membrane * wm).sum();
            let what = format!("{:?}/{:?} on {device:?}", case.reset, case.surrogate);
            assert_close(&values(loss.clone()), &[case.loss], 1e-5, 1e-5, &format!("loss {what}"));
            let grads = loss.backward();
            let d_beta = values(beta.grad(&grads).expect("β has a gradient"));
            let d_theta = values(theta.grad(&grads).expect("θ has a gradient"));
            let d_x = values(input.grad(&grads).expect("X has a gradient"));
            assert_close(&d_beta, &[case.d_beta], 1e-5, 1e-5, &format!("dL/dβ {what}"));
            assert_close(&d_theta, &[case.d_theta], 1e-5, 1e-5, &format!("dL/dθ {what}"));
            assert_close(&d_x[..3], &case.d_x_first_row, 1e-5, 1e-5, &format!("dL/dX[0] {what}"));
            assert_close(&d_x[21..], &case.d_x_last_row, 1e-5, 1e-5, &format!("dL/dX[7] {what}"));
        }
    }
}

/// Gradients of a random weighted loss w.r.t. X, initial membrane, β and θ (per neuron).
fn gradients(device: &Device, spec: LifSpec, steps: usize, neurons: usize, fused: bool) -> [Vec<f32>; 4] {
    let seed = (steps * 31 + neurons) as u64;
    let input = tensor(uniform(steps * neurons, seed, -0.4, 1.0), [steps, neurons], DType::F32, device).require_grad();
    let initial = tensor(uniform(neurons, seed + 1, -0.5, 1.2), [1, neurons], DType::F32, device).require_grad();
    // One β above 1 exercises the clamp: it must get no gradient.
    let mut beta_values = uniform(neurons, seed + 2, 0.3, 1.0);
    beta_values[0] = 1.2;
    let beta = tensor(beta_values, [neurons], DType::F32, device).require_grad();
    let theta = tensor(uniform(neurons, seed + 3, 0.6, 1.2), [neurons], DType::F32, device).require_grad();
    let ws = tensor(uniform(steps * neurons, seed + 4, -1.0, 1.0), [steps, neurons], DType::F32, device);
    let wm = tensor(uniform(steps * neurons, seed + 5, -1.0, 1.0), [steps, neurons], DType::F32, device);

    let (spikes, membrane): (Tensor<2>, Tensor<2>) = if fused {
        let neuron = Neuron::leaky(beta.clone()).with_threshold(theta.clone()).with_spec(spec);
        let out = lif(input.clone(), Some(initial.clone()), &neuron).expect("valid call");
        (out.spikes, out.membrane)
    } else {
        plain_lif(input.clone(), initial.clone(), beta.clone(), theta.clone(), spec)
    };
    let grads = (spikes * ws + membrane * wm).sum().backward();
    [
        values(input.grad(&grads).expect("dX")),
        values(initial.grad(&grads).expect("dU0")),
        values(beta.grad(&grads).expect("dβ")),
        values(theta.grad(&grads).expect("dθ")),
    ]
}

#[test]
fn fused_backward_equals_autodiff_of_plain_tensor_ops() {
    let device = gpu().autodiff();
    let surrogates = Surrogate::all_defaults();
    for steps in [1, 2, 25] {
        for reset in [ResetMode::Subtract, ResetMode::Zero, ResetMode::None, ResetMode::ZeroAll] {
            for reset_delay in [true, false] {
                for surrogate in surrogates {
                    let spec = LifSpec { reset, reset_delay, surrogate, state_quant: None, ..LifSpec::default() };
                    let fused = gradients(&device, spec, steps, 37, true);
                    let plain = gradients(&device, spec, steps, 37, false);
                    for (name, (f, p)) in ["X", "initial", "beta", "theta"].iter().zip(fused.iter().zip(&plain)) {
                        // Relative to the gradient's scale: a surrogate whose peak exceeds 1
                        // (sigmoid's is 6.25) with an immediate reset multiplies dL/dU by up to
                        // |1 − θ·σ'| ≈ 5 per step, so rounding differences grow with T in both
                        // implementations alike.
                        let scale = p.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                        assert_close(f, p, 1e-5 * scale, 1e-5, &format!("dL/d{name}, T={steps} {spec:?} (scale {scale})"));
                    }
                }
            }
        }
    }
}

#[test]
fn cpu_backward_equals_autodiff_of_plain_tensor_ops() {
    let device = cpu().autodiff();
    let spec = LifSpec { reset: ResetMode::Subtract, reset_delay: false, surrogate: Surrogate::atan(), state_quant: None, ..LifSpec::default() };
    let fused = gradients(&device, spec, 25, 19, true);
    let plain = gradients(&device, spec, 25, 19, false);
    for (f, p) in fused.iter().zip(&plain) {
        assert_close(f, p, 1e-5, 1e-5, "CPU fused vs plain");
    }
}

#[test]
fn backward_over_more_than_65535_workgroups() {
    // T = 1 from a zero membrane: U = X, S = H(X − 1). With loss Σ S + 2·U and atan:
    // dL/dX = 2 + σ'(X − 1).
    let device = gpu().autodiff();
    if !f16_or_skip(&device, "f16 backward over 65,536 workgroups") {
        return;
    }
    // f16 keeps every buffer under the 128 MiB binding limit of many adapters; β and θ are
    // constants, so the kernel variant without coefficient gradients runs.
    let neurons = 65_536 * 256 + 5;
    let x = to_f16_values(&(0..neurons).map(|i| (i % 97) as f32 / 48.0).collect::<Vec<_>>());
    let input = tensor(x.clone(), [1, neurons], DType::F16, &device).require_grad();
    let out = lif(input.clone(), None, &Neuron::leaky(0.9)).expect("valid call");
    let grads = (out.spikes + out.membrane * 2.0).sum().backward();
    let got = values(input.grad(&grads).expect("dX"));
    let expected = to_f16_values(&x.iter().map(|v| 2.0 + Surrogate::atan().grad(v - 1.0)).collect::<Vec<_>>());
    assert_close(&got, &expected, 0.0, 1e-3, "dL/dX over a 2-D grid (one f16 ulp)");
}

/// references.md surrogate table (float64), x = U − θ.
#[test]
fn surrogate_values_match_the_reference_table_on_cpu_and_gpu() {
    let xs = [-1.0f32, -0.5, -0.1, -0.01, 0.0, 0.1, 1.0];
    let table = [
        (Surrogate::atan(), [0.0919997, 0.2884, 0.91017, 0.999014, 1.0, 0.91017, 0.0919997]),
        (Surrogate::fast_sigmoid(), [0.00147929, 0.00548697, 0.0816327, 0.64, 1.0, 0.0816327, 0.00147929]),
        (Surrogate::sigmoid(), [3.47199e-10, 9.31656e-05, 1.75259, 6.15335, 6.25, 1.75259, 3.47199e-10]),
        (Surrogate::spike_rate_escape(), [3.38338, 5.57825, 8.32178, 9.10547, 9.19699, 10.1642, 25.0]),
        // SFS (B = 1): fast sigmoid above 1 only; at x = 1 itself it is 0 (strict).
        (Surrogate::sfs(), [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    ];
    for (surrogate, expected) in table {
        let host: Vec<f32> = xs.iter().map(|x| surrogate.grad(*x)).collect();
        assert_close(&host, &expected, 1e-6, 1e-5, &format!("{surrogate:?} on the host"));
        // On the device: one step from a zero membrane with θ = 1, so U − θ = X − 1 and
        // dΣS/dX is the surrogate.
        let device = gpu().autodiff();
        let input = tensor(xs.iter().map(|x| x + 1.0).collect(), [1, xs.len()], DType::F32, &device).require_grad();
        let spec = LifSpec { reset: ResetMode::Subtract, reset_delay: true, surrogate, state_quant: None, ..LifSpec::default() };
        let out = lif(input.clone(), None, &Neuron::leaky(0.9).with_spec(spec)).expect("valid call");
        let got = values(input.grad(&out.spikes.sum().backward()).expect("dX"));
        assert_close(&got, &expected, 1e-5, 1e-4, &format!("{surrogate:?} on the GPU"));
    }
    assert!((Surrogate::sfs().grad(1.5) - 1.0 / (25.0f32 * 1.5 + 1.0).powi(2)).abs() < 1e-9);
}

#[test]
fn truncated_bptt_matches_the_full_run_forward_and_cuts_gradients() {
    use burn_neuro::snn::LeakyConfig;
    let device = gpu().autodiff();
    let layer = LeakyConfig::new(0.9).init(&device).expect("valid");
    let (steps, neurons) = (10, 7);
    let x = tensor(uniform(steps * neurons, 50, -0.2, 0.8), [steps, 1, neurons], DType::F32, &device).require_grad();
    let full = layer.try_forward(x.clone(), None).expect("valid");
    let chunked = layer.forward_truncated(x.clone(), None, 4).expect("valid");
    assert_eq!(values(chunked.spikes.clone()), values(full.spikes.clone()), "same forward values");
    assert_close(&values(chunked.membrane.clone()), &values(full.membrane.clone()), 1e-6, 1e-6, "same membranes");
    // A loss on the last step only: its gradient reaches the last chunk (steps 8, 9) but not before.
    let grads = chunked.membrane.slice([steps - 1..steps]).sum().backward();
    let g = values(x.grad(&grads).expect("dX"));
    assert!(g[..8 * neurons].iter().all(|v| *v == 0.0), "earlier chunks get no gradient");
    assert!(g[8 * neurons..].iter().any(|v| *v != 0.0), "the last chunk does");
    assert!(layer.forward_truncated(x, None, 0).is_err());
}

#[test]
fn a_user_supplied_surrogate_gives_its_derivative() {
    use burn_neuro::ops::lif_composite::spike_with;
    // φ(x) = tanh(3x)/3 → φ'(x) = 1 − tanh²(3x).
    let device = gpu().autodiff();
    let xs = [-0.5f32, -0.1, 0.0, 0.2, 1.0];
    let x = tensor(xs.to_vec(), [5], DType::F32, &device).require_grad();
    let s = spike_with(x.clone(), |x| x.mul_scalar(3.0).tanh().div_scalar(3.0));
    assert_eq!(values(s.clone()), vec![0.0, 0.0, 0.0, 1.0, 1.0], "the value is the Heaviside step");
    let grads = s.sum().backward();
    let expected: Vec<f32> = xs.iter().map(|x| 1.0 - (3.0 * x).tanh().powi(2)).collect();
    assert_close(&values(x.grad(&grads).expect("gradient")), &expected, 1e-6, 1e-5, "custom surrogate");
}

#[test]
fn forward_repeated_equals_forward_on_the_expanded_current() {
    use burn_neuro::snn::LeakyConfig;
    // The CPU path reads the broadcast current once (no T copies); the GPU takes the expanded
    // view. Both must give what `forward` gives on the materialized [T, batch, features] input,
    // forward and backward, bit for bit; a per-neuron β takes the expanded path.
    let (steps, batch, features) = (13, 3, 70);
    for device in [cpu().autodiff(), gpu().autodiff()] {
        for per_neuron in [false, true] {
            let config = if per_neuron { LeakyConfig::new(0.9).with_neurons(Some(features)) } else { LeakyConfig::new(0.9) };
            let layer = config.init(&device).expect("valid");
            let current = || tensor(uniform(batch * features, 60, -0.3, 0.9), [batch, features], DType::F32, &device).require_grad();
            let (a, b) = (current(), current());
            let repeated = layer.forward_repeated::<2, 3>(a.clone(), steps);
            let expanded = layer.forward(b.clone().unsqueeze_dim::<3>(0).expand([steps, batch, features]), None);
            assert_eq!(repeated.spikes.dims(), [steps, batch, features]);
            assert_eq!(values(repeated.spikes.clone()), values(expanded.spikes.clone()), "{device:?} spikes");
            assert_eq!(values(repeated.membrane.clone()), values(expanded.membrane.clone()), "{device:?} membranes");
            assert!(values(repeated.spikes.clone()).contains(&1.0), "the test drives spikes");
            let weights = tensor(uniform(steps * batch * features, 61, -1.0, 1.0), [steps, batch, features], DType::F32, &device);
            let loss = |out: burn_neuro::NeuronOutput<3>| (out.spikes * weights.clone()).sum() + out.membrane.powf_scalar(2.0).sum();
            let (ga, gb) = (loss(repeated).backward(), loss(expanded).backward());
            assert_eq!(values(a.grad(&ga).expect("dI")), values(b.grad(&gb).expect("dI")), "{device:?} per-neuron {per_neuron}: current gradient");
        }
        // A layer with more state than a membrane: the same through the shared macro.
        let synaptic = burn_neuro::snn::SynapticConfig::new(0.8, 0.9).init(&device).expect("valid");
        let current = tensor(uniform(batch * features, 62, -0.3, 0.9), [batch, features], DType::F32, &device);
        let repeated = synaptic.forward_repeated::<2, 3>(current.clone(), steps);
        let expanded = synaptic.forward(current.unsqueeze_dim::<3>(0).expand([steps, batch, features]), None);
        for (a, b) in [(repeated.spikes, expanded.spikes), (repeated.membrane, expanded.membrane)] {
            assert_eq!(values(a), values(b), "{device:?} Synaptic");
        }
        let layer = LeakyConfig::new(0.9).init(&device).expect("valid");
        let current = tensor(vec![0.5; 4], [4], DType::F32, &device);
        assert!(layer.try_forward_repeated::<1, 3>(current.clone(), 5).is_err(), "D2 must be D + 1");
        assert!(layer.try_forward_repeated::<1, 2>(current, 5).is_err(), "one step needs a batch axis (rank 2 or more)");
    }
}
