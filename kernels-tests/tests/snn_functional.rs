//! snnTorch-style losses, accuracy and the delta encoding, against values computed by hand
//! (in f64 on the host) from snnTorch's definitions.

use burn::tensor::{DType, Int, Tensor, TensorData};
use burn_neuro::snn::loss::{OutputCode, accuracy_rate, ce_count_loss, ce_rate_loss, ce_temporal_loss, first_spike_time, mse_count_loss, mse_membrane_loss};
use burn_neuro::snn::spikegen::delta;
use kernels_tests::{assert_close, cpu, gpu, tensor, values};

/// Two examples, three classes, four steps.
fn spikes() -> Vec<f32> {
    vec![
        // t0: [b0: 1 0 0] [b1: 0 0 1]
        1., 0., 0., 0., 0., 1., //
        // t1
        1., 1., 0., 0., 1., 1., //
        // t2
        0., 1., 0., 0., 0., 1., //
        // t3
        1., 0., 0., 0., 0., 0.,
    ]
}

fn host_ce(logits: &[f64], target: usize) -> f64 {
    let max = logits.iter().cloned().fold(f64::MIN, f64::max);
    let lse = max + logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
    lse - logits[target]
}

#[test]
fn losses_and_accuracy_match_their_definitions() {
    let s = spikes();
    let targets = [0usize, 2];
    let at = |t: usize, b: usize, c: usize| s[(t * 2 + b) * 3 + c] as f64;
    // ce_rate: mean over steps and examples of CE(spk[t, b]).
    let mut rate = 0.0;
    for t in 0..4 {
        for b in 0..2 {
            rate += host_ce(&[at(t, b, 0), at(t, b, 1), at(t, b, 2)], targets[b]);
        }
    }
    let rate = rate / 8.0;
    let counts = |b: usize| [0, 1, 2].map(|c| (0..4).map(|t| at(t, b, c)).sum::<f64>());
    let count = (host_ce(&counts(0), 0) + host_ce(&counts(1), 2)) / 2.0;
    // mse_count with correct 0.75, incorrect 0.25 over T = 4: targets 3 and 1.
    let mut mse = 0.0;
    for b in 0..2 {
        for c in 0..3 {
            let goal = if c == targets[b] { 3.0 } else { 1.0 };
            mse += (counts(b)[c] - goal).powi(2);
        }
    }
    let mse = mse / 6.0;
    // mse_membrane with on 1, off 0, the spikes as membranes.
    let mut membrane = 0.0;
    for t in 0..4 {
        for b in 0..2 {
            for c in 0..3 {
                let goal = if c == targets[b] { 1.0 } else { 0.0 };
                membrane += (at(t, b, c) - goal).powi(2);
            }
        }
    }
    let membrane = membrane / 24.0;
    // First spikes: b0 → [0, 1, T−1 = 3]; b1 → [3, 1, 0]; CE on negated times.
    let temporal = (host_ce(&[0.0, -1.0, -3.0], 0) + host_ce(&[-3.0, -1.0, 0.0], 2)) / 2.0;

    for device in [gpu(), cpu()] {
        let out = || tensor(s.clone(), [4, 2, 3], DType::F32, &device);
        let y = || Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 2], [2]), &device);
        let code = OutputCode::default();
        let check = |got: Tensor<1>, want: f64, what: &str| assert_close(&values(got), &[want as f32], 1e-5, 1e-5, what);
        check(ce_rate_loss(out(), y(), code).expect("valid"), rate, "ce_rate_loss");
        check(ce_count_loss(out(), y(), code).expect("valid"), count, "ce_count_loss");
        check(mse_count_loss(out(), y(), 0.75, 0.25, code).expect("valid"), mse, "mse_count_loss");
        check(mse_membrane_loss(out(), y(), 1.0, 0.0, code).expect("valid"), membrane, "mse_membrane_loss");
        check(ce_temporal_loss(out(), y(), code).expect("valid"), temporal, "ce_temporal_loss");
        assert_close(&values(first_spike_time(out())), &[0.0, 1.0, 3.0, 3.0, 1.0, 0.0], 0.0, 0.0, "first spike times");
        // Counts b0 = [3, 2, 0] → 0 ✓; b1 = [0, 1, 3] → 2 ✓.
        assert_eq!(accuracy_rate(out(), y(), code).expect("valid"), 1.0);
    }
}

#[test]
fn accuracy_ties_go_to_the_lowest_class_and_populations_are_summed() {
    let device = gpu();
    // One step, one example, 2 classes × population 2: class sums [1, 1] tie → class 0.
    let out = tensor(vec![1.0, 0.0, 0.0, 1.0], [1, 1, 4], DType::F32, &device);
    let zero = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64], [1]), &device);
    let one = Tensor::<1, Int>::from_data(TensorData::new(vec![1i64], [1]), &device);
    assert_eq!(accuracy_rate(out.clone(), zero, OutputCode { population: 2 }).expect("valid"), 1.0);
    assert_eq!(accuracy_rate(out.clone(), one.clone(), OutputCode { population: 2 }).expect("valid"), 0.0);
    let err = accuracy_rate(out, one, OutputCode { population: 3 }).unwrap_err();
    assert!(err.to_string().contains("population") || err.to_string().contains("divisible"), "{err}");
}

#[test]
fn temporal_loss_gradient_is_minus_one_at_the_first_spike() {
    let device = gpu().autodiff();
    let s = tensor(spikes(), [4, 2, 3], DType::F32, &device).require_grad();
    let grads = first_spike_time(s.clone()).sum().backward();
    let g = values(s.grad(&grads).expect("gradient"));
    let mut expected = vec![0.0; 24];
    for (t, b, c) in [(0, 0, 0), (1, 0, 1), (1, 1, 1), (0, 1, 2)] {
        expected[(t * 2 + b) * 3 + c] = -1.0;
    }
    assert_eq!(g, expected);
}

#[test]
fn delta_modulation() {
    let device = gpu();
    let x = tensor(vec![0.0, 0.5, 0.55, 0.2, 0.2, 0.9], [6, 1], DType::F32, &device);
    assert_eq!(values(delta(x.clone(), 0.1, false, false).expect("valid")), vec![0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    assert_eq!(values(delta(x.clone(), 0.1, false, true).expect("valid")), vec![0.0, 1.0, 0.0, -1.0, 0.0, 1.0]);
    let y = tensor(vec![0.7, 0.7, 0.9], [3, 1], DType::F32, &device);
    assert_eq!(values(delta(y.clone(), 0.1, false, false).expect("valid")), vec![1.0, 0.0, 1.0], "x[-1] = 0");
    assert_eq!(values(delta(y.clone(), 0.1, true, false).expect("valid")), vec![0.0, 0.0, 1.0], "x[-1] = x[0]");
    assert!(delta(y, 0.0, false, false).is_err());
}
