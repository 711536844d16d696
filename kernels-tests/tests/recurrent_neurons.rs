//! snnTorch's recurrent neurons on the fused kernels: `RLeaky` and `RSynaptic` with one-to-one
//! recurrence (f64 traces, GPU vs reference, step loops, gradients vs the composite form) and
//! all-to-all recurrence with a diagonal matrix against the one-to-one kernel.

use burn::tensor::{DType, Device};
use burn_neuro::reference::{Storage, lif as reference};
use burn_neuro::{LifSpec, ResetMode, Surrogate};
use kernels_tests::{assert_close, cpu, float_dtypes, gpu, tensor, to_f16_values, uniform, values};

fn spec(reset: ResetMode, reset_delay: bool, surrogate: Surrogate) -> LifSpec {
    LifSpec { reset, reset_delay, surrogate, state_quant: None, ..LifSpec::default() }
}

use burn_neuro::ops::lif_composite::recurrent_composite;
use burn_neuro::{Neuron, NeuronState, neuron_forward, neuron_step};

/// RLeaky in f64: U = βU + X + V·S_prev − Rθ (θ = 1), subtract reset, delayed.
fn host_rleaky(beta: f64, weight: f64, x: f64, steps: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut u, mut s) = (0.0f64, 0.0f64);
    let (mut us, mut ss) = (Vec::new(), Vec::new());
    for _ in 0..steps {
        let r = if u > 1.0 { 1.0 } else { 0.0 };
        u = beta * u + x + weight * s - r;
        s = if u > 1.0 { 1.0 } else { 0.0 };
        us.push(u as f32);
        ss.push(s as f32);
    }
    (us, ss)
}

#[test]
fn rleaky_trace_matches_snntorch_equations() {
    let (membranes, spikes) = host_rleaky(0.9, 0.5, 0.3, 16);
    for device in [gpu(), cpu()] {
        let neuron = Neuron::rleaky(0.9).with_recurrent_weight(0.5);
        let out = neuron_forward(tensor(vec![0.3; 16], [16, 1], DType::F32, &device), None, &neuron).expect("valid");
        assert_close(&values(out.membrane), &membranes, 1e-6, 1e-6, "membrane");
        assert_eq!(values(out.spikes), spikes);
        assert!(out.synaptic.is_none());
    }
}

fn neuron(device: &Device, spec: LifSpec, synaptic: bool, neurons: usize) -> Neuron {
    let beta = tensor(uniform(neurons, 60, 0.4, 0.95), [neurons], DType::F32, device);
    let weight = tensor(uniform(neurons, 61, -0.6, 0.6), [neurons], DType::F32, device);
    let neuron =
        if synaptic { Neuron::rsynaptic(tensor(uniform(neurons, 62, 0.3, 0.9), [neurons], DType::F32, device), beta) } else { Neuron::rleaky(beta) };
    neuron.with_threshold(0.9).with_spec(spec).with_recurrent_weight(weight)
}

#[test]
fn gpu_matches_reference_for_rleaky_and_rsynaptic() {
    let device = gpu();
    let (steps, neurons) = (9, 300);
    for synaptic in [false, true] {
        for reset in [ResetMode::Subtract, ResetMode::ZeroAll, ResetMode::None] {
            for delay in [true, false] {
                for dtype in float_dtypes(&device) {
                    let spec = spec(reset, delay, Surrogate::atan());
                    let round = |v: Vec<f32>| if dtype == DType::F16 { to_f16_values(&v) } else { v };
                    let x = round(uniform(steps * neurons, 63, -0.3, 0.9));
                    let u0 = round(uniform(neurons, 64, -0.5, 1.5));
                    let s0: Vec<f32> = uniform(neurons, 65, 0.0, 1.0).iter().map(|u| if *u < 0.3 { 1.0 } else { 0.0 }).collect();
                    let i0 = round(uniform(neurons, 66, -0.2, 0.4));
                    let n = neuron(&device, spec, synaptic, neurons);
                    let state = NeuronState {
                        membrane: tensor(u0.clone(), [1, neurons], dtype, &device),
                        synaptic: synaptic.then(|| tensor(i0.clone(), [1, neurons], dtype, &device)),
                        excitatory: None,
                        inhibitory: None,
                        spikes: Some(tensor(s0.clone(), [1, neurons], dtype, &device)),
                    };
                    let out = neuron_forward(tensor(x.clone(), [steps, neurons], dtype, &device), Some(state), &n).expect("valid");
                    let (beta, weight, alpha) = (uniform(neurons, 60, 0.4, 0.95), uniform(neurons, 61, -0.6, 0.6), uniform(neurons, 62, 0.3, 0.9));
                    let expected = reference::lif_forward(&reference::LifProblem {
                        spec,
                        storage: if dtype == DType::F16 { Storage::F16 } else { Storage::F32 },
                        num_steps: steps,
                        num_neurons: neurons,
                        input: &x,
                        initial: &u0,
                        beta: &beta,
                        theta: &[0.9],
                        synaptic: synaptic.then_some(reference::SynapticState { alpha: &alpha, initial: &i0 }),
                        recurrent: Some(reference::RecurrentState { weight: &weight, initial_spike: &s0 }),
                    });
                    let what = format!("synaptic {synaptic} {spec:?} {dtype:?}");
                    let (atol, rtol) = if dtype == DType::F16 { (1e-3, 1e-3) } else { (1e-6, 1e-6) };
                    assert_eq!(values(out.spikes), expected.spikes, "spikes, {what}");
                    assert_close(&values(out.membrane), &expected.membrane, atol, rtol, &format!("membrane, {what}"));
                }
            }
        }
    }
}

#[test]
fn step_loop_equals_the_fused_run() {
    let device = gpu();
    let n = Neuron::rsynaptic(0.6, 0.9).with_recurrent_weight(-0.4);
    let x = uniform(12 * 40, 70, -0.2, 0.9);
    let fused = neuron_forward(tensor(x.clone(), [12, 40], DType::F32, &device), None, &n).expect("valid");
    let mut state: Option<NeuronState<1>> = None;
    let mut spikes = Vec::new();
    for t in 0..12 {
        let out = neuron_step(tensor(x[t * 40..(t + 1) * 40].to_vec(), [40], DType::F32, &device), state, &n).expect("valid");
        spikes.extend(values(out.spikes.clone()));
        state = Some(NeuronState { membrane: out.membrane, synaptic: out.synaptic, excitatory: None, inhibitory: None, spikes: Some(out.spikes) });
    }
    assert_eq!(spikes, values(fused.spikes));
}

fn gradients(device: &Device, spec: LifSpec, synaptic: bool, steps: usize, fused: bool) -> Vec<Vec<f32>> {
    let neurons = 17;
    let seed = 80 + steps as u64;
    let t2 = |v: Vec<f32>, shape: [usize; 2]| tensor(v, shape, DType::F32, device).require_grad();
    let t1 = |v: Vec<f32>| tensor(v, [neurons], DType::F32, device).require_grad();
    let x = t2(uniform(steps * neurons, seed, -0.3, 0.9), [steps, neurons]);
    let u0 = t2(uniform(neurons, seed + 1, -0.5, 1.2), [1, neurons]);
    let s0 = t2(uniform(neurons, seed + 2, 0.0, 1.0).iter().map(|u| if *u < 0.4 { 1.0 } else { 0.0 }).collect(), [1, neurons]);
    let i0 = t2(uniform(neurons, seed + 3, -0.2, 0.4), [1, neurons]);
    let weight = t1(uniform(neurons, seed + 4, -0.6, 0.6));
    let alpha = t1(uniform(neurons, seed + 5, 0.3, 0.9));
    let beta = t1(uniform(neurons, seed + 6, 0.3, 0.95));
    let theta = t1(uniform(neurons, seed + 7, 0.6, 1.2));
    let w = |k: u64| tensor(uniform(steps * neurons, seed + k, -1.0, 1.0), [steps, neurons], DType::F32, device);
    let (s, u) = if fused {
        let n = if synaptic { Neuron::rsynaptic(alpha.clone(), beta.clone()) } else { Neuron::rleaky(beta.clone()) };
        let n = n.with_threshold(theta.clone()).with_spec(spec).with_recurrent_weight(weight.clone());
        let state = NeuronState {
            membrane: u0.clone(),
            synaptic: synaptic.then(|| i0.clone()),
            excitatory: None,
            inhibitory: None,
            spikes: Some(s0.clone()),
        };
        let out = neuron_forward(x.clone(), Some(state), &n).expect("valid");
        (out.spikes, out.membrane)
    } else {
        let (s, u, _) = recurrent_composite(
            x.clone(),
            u0.clone(),
            s0.clone(),
            weight.clone(),
            synaptic.then(|| (alpha.clone(), i0.clone())),
            beta.clone(),
            theta.clone(),
            spec,
        );
        (s, u)
    };
    let grads = (s * w(10) + u * w(11)).sum().backward();
    let mut all = vec![
        values(x.grad(&grads).expect("dX")),
        values(u0.grad(&grads).expect("dU0")),
        values(s0.grad(&grads).expect("dS0")),
        values(weight.grad(&grads).expect("dV")),
        values(beta.grad(&grads).expect("dβ")),
        values(theta.grad(&grads).expect("dθ")),
    ];
    if synaptic {
        all.push(values(i0.grad(&grads).expect("dI0")));
        all.push(values(alpha.grad(&grads).expect("dα")));
    }
    all
}

#[test]
fn fused_backward_equals_autodiff_of_the_composite_recurrent_neurons() {
    for device in [gpu().autodiff(), cpu().autodiff()] {
        for synaptic in [false, true] {
            for steps in [1, 2, 25] {
                for reset in [ResetMode::Subtract, ResetMode::ZeroAll, ResetMode::None] {
                    for delay in [true, false] {
                        let spec = spec(reset, delay, Surrogate::fast_sigmoid());
                        let fused = gradients(&device, spec, synaptic, steps, true);
                        let plain = gradients(&device, spec, synaptic, steps, false);
                        let names = ["X", "U0", "S0", "V", "beta", "theta", "I0", "alpha"];
                        for (name, (f, p)) in names.iter().zip(fused.iter().zip(&plain)) {
                            let scale = p.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                            assert_close(f, p, 1e-5 * scale, 1e-5, &format!("dL/d{name}, synaptic {synaptic}, T={steps} {spec:?} on {device:?}"));
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn all_to_all_rleaky_with_a_diagonal_matrix_equals_one_to_one() {
    use burn_neuro::neuron_forward;
    use burn_neuro::ops::recurrent::rleaky_all_to_all;
    let device = gpu();
    let (steps, batch, n) = (8, 3, 5);
    let x = tensor(uniform(steps * batch * n, 90, -0.2, 0.9), [steps, batch, n], DType::F32, &device);
    let v: Vec<f32> = uniform(n, 91, -0.5, 0.5);
    let mut diagonal = vec![0.0; n * n];
    for i in 0..n {
        diagonal[i * n + i] = v[i];
    }
    let dense = rleaky_all_to_all(x.clone(), tensor(diagonal, [n, n], DType::F32, &device), &Neuron::leaky(0.8)).expect("valid");
    let one_to_one = neuron_forward(x, None, &Neuron::rleaky(0.8).with_recurrent_weight(tensor(v, [n], DType::F32, &device))).expect("valid");
    assert_eq!(values(dense.spikes), values(one_to_one.spikes));
    assert_close(&values(dense.membrane), &values(one_to_one.membrane), 1e-6, 1e-6, "membrane");
}
