//! snnTorch-style losses, accuracy and the delta encoding, against values computed by hand
//! (in f64 on the host) from snnTorch's definitions.

use burn::tensor::{DType, Int, Tensor, TensorData};
use burn_neuro::backend::SpikegenOps;
use burn_neuro::kernels::spikegen::RateParams;
use burn_neuro::reference::spikegen as reference;
use burn_neuro::snn::loss::{
    OutputCode, accuracy_rate, ce_count_loss, ce_rate_loss, ce_temporal_loss, first_spike_time, mse_count_loss, mse_membrane_loss,
};
use burn_neuro::snn::spikegen::{LatencyOptions, RateOptions, delta, latency, rate};
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
    // mse_count with correct 0.75, incorrect 0.25 over T = 4: targets 3 and 1, the mean divided
    // by T as snnTorch does.
    let mut mse = 0.0;
    for b in 0..2 {
        for c in 0..3 {
            let goal = if c == targets[b] { 3.0 } else { 1.0 };
            mse += (counts(b)[c] - goal).powi(2);
        }
    }
    let mse = mse / 6.0 / 4.0;
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
    // The two silent neurons (b0 c2, b1 c0) take theirs at the last step, as snnTorch's
    // FirstSpike backward puts it.
    for (t, b, c) in [(0, 0, 0), (1, 0, 1), (1, 1, 1), (0, 1, 2), (3, 0, 2), (3, 1, 0)] {
        expected[(t * 2 + b) * 3 + c] = -1.0;
    }
    assert_eq!(g.iter().map(|v| v + 0.0).collect::<Vec<_>>(), expected);
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

/// `[T, N]` one-hot spike trains from per-input spike steps (`None` = silent).
fn trains(num_steps: usize, times: &[Option<usize>]) -> Vec<f32> {
    let mut out = vec![0.0; num_steps * times.len()];
    for (i, t) in times.iter().enumerate() {
        if let Some(t) = t {
            out[t * times.len() + i] = 1.0;
        }
    }
    out
}

#[test]
fn latency_coding_follows_snntorch() {
    let device = gpu();
    let x = || tensor(vec![0.02, 0.5, 1.0], [3], DType::F32, &device);
    let code = |data: Tensor<1>, steps: usize, options: LatencyOptions| values(latency::<1, 2>(data, steps, options).expect("valid"));
    // snnTorch docstring: linear + normalize gives times 3.92, 2, 0.
    let linear = LatencyOptions { linear: true, normalize: true, ..Default::default() };
    assert_eq!(code(x(), 5, linear), trains(5, &[Some(4), Some(2), Some(0)]));
    // snnTorch docstring: log + normalize gives times 4.0, 0.1166, 0.0580.
    assert_eq!(code(x(), 5, LatencyOptions { normalize: true, ..Default::default() }), trains(5, &[Some(4), Some(0), Some(0)]));
    // Plain RC code: ln(x / (x − 0.01)) = 0.693, 0.020, 0.010.
    assert_eq!(code(x(), 5, LatencyOptions::default()), trains(5, &[Some(1), Some(0), Some(0)]));
    // first_spike_time shifts and shrinks the linear span: 3.94, 2.5 (half to even → 2), 1.
    assert_eq!(code(x(), 5, LatencyOptions { first_spike_time: 1, ..linear }), trains(5, &[Some(4), Some(2), Some(1)]));
    // A time past the last step is clamped and the last step silenced, as in snnTorch.
    let faint = || tensor(vec![0.005, 1.0], [2], DType::F32, &device);
    assert_eq!(code(faint(), 3, LatencyOptions::default()), trains(3, &[None, Some(0)]));
    // Below-threshold inputs fire last unless clipped.
    let dim = || tensor(vec![0.005, 0.5], [2], DType::F32, &device);
    assert_eq!(code(dim(), 5, linear), trains(5, &[Some(4), Some(2)]));
    assert_eq!(code(dim(), 5, LatencyOptions { clip: true, ..linear }), trains(5, &[None, Some(2)]));
    // Batched input keeps its layout behind the time axis.
    let batch = tensor(vec![1.0, 0.02, 0.5, 1.0], [2, 2], DType::F32, &device);
    let spikes: Tensor<3> = latency(batch, 5, linear).expect("valid");
    assert_eq!(spikes.dims(), [5, 2, 2]);
    assert_eq!(values(spikes), trains(5, &[Some(0), Some(4), Some(2), Some(0)]));
    let err = latency::<1, 2>(x(), 5, LatencyOptions { first_spike_time: 5, ..Default::default() }).unwrap_err();
    assert!(err.to_string().contains("first_spike_time"), "{err}");
    assert!(latency::<1, 2>(x(), 5, LatencyOptions { threshold: 1.0, ..Default::default() }).is_err());
}

#[test]
fn rate_coding_matches_the_reference_and_the_requested_rates() {
    for device in [gpu(), cpu()] {
        // 0.1, 0.5 and 0.9 (after gain 0.5, offset 0.05), clamped ends, 2 × 3 neurons, 2000 steps.
        let data = tensor(vec![0.1, 0.9, 1.7, -1.0, 3.0, 0.5], [2, 3], DType::F32, &device);
        let options = RateOptions { gain: 0.5, offset: 0.05, first_spike_time: 3, seed: Some(11) };
        let spikes: Tensor<3> = rate(data, 2000, options).expect("valid");
        assert_eq!(spikes.dims(), [2000, 2, 3]);
        let got = values(spikes);
        let probability = [0.1f32, 0.5, 0.9, 0.0, 1.0, 0.3];
        let params = RateParams { neurons: 6, steps: 2000, first_spike_time: 3, seed_lo: 11, seed_hi: 0, seed_from_draws: 0, _pad1: 0, _pad2: 0 };
        let expected = reference::rate(&probability, &params);
        // Probabilities computed on the device may differ in the last bit from the host's.
        let differ = got.iter().zip(&expected).filter(|(a, b)| a != b).count();
        assert!(differ <= 2, "{differ} spikes differ from the reference on {device:?}");
        assert!(got[..3 * 6].iter().all(|s| *s == 0.0), "silent before first_spike_time");
        for (i, p) in probability.iter().enumerate() {
            let fired = (3..2000).filter(|t| got[t * 6 + i] == 1.0).count() as f32 / 1997.0;
            assert!((fired - p).abs() < 0.04, "neuron {i}: rate {fired} for p = {p}");
        }
    }
    let device = gpu();
    let data = tensor(vec![0.5; 64], [64], DType::F16, &device);
    let a: Tensor<2> = rate(data.clone(), 10, RateOptions { seed: Some(1), ..Default::default() }).expect("valid");
    let b: Tensor<2> = rate(data.clone(), 10, RateOptions { seed: Some(1), ..Default::default() }).expect("valid");
    let c: Tensor<2> = rate(data.clone(), 10, RateOptions { seed: Some(2), ..Default::default() }).expect("valid");
    assert_eq!(a.dtype(), DType::F16);
    assert_eq!(values(a.clone()), values(b), "same seed, same trains");
    assert_ne!(values(a), values(c), "another seed, other trains");
    assert!(rate::<1, 3>(data.clone(), 10, RateOptions::default()).is_err(), "rank must grow by one");
    assert!(rate::<1, 2>(data, 0, RateOptions::default()).is_err(), "at least one step");
}

/// snnTorch's `rate` draws new noise on every call; a straight port that relied on a fixed
/// default seed showed every image one frozen spike pattern for the whole run.
#[test]
fn rate_draws_new_trains_per_call_and_repeats_from_the_device_seed() {
    for device in [gpu(), cpu()] {
        let data = tensor(vec![0.5; 256], [256], DType::F32, &device);
        let draw = || values(rate::<1, 2>(data.clone(), 8, RateOptions::default()).expect("valid"));
        device.seed(7);
        let (first, second) = (draw(), draw());
        assert_ne!(first, second, "default options: each call draws new trains");
        device.seed(7);
        assert_eq!(draw(), first, "the same device seed repeats the run");
        assert_eq!(draw(), second);
    }
    // The kernel keys its trains by the device's draws exactly as the reference does.
    let device = gpu();
    let mut probability: Vec<f32> = (0..300).map(|i| (i % 10) as f32 / 10.0).collect();
    probability.extend([0.123_456_7, 0.987_654_3, 0.5]);
    let params = RateParams { neurons: 300, steps: 16, first_spike_time: 0, seed_lo: 0, seed_hi: 0, seed_from_draws: 1, _pad1: 0, _pad2: 0 };
    let input = tensor(probability.clone(), [303], DType::F32, &device);
    let spikes = Tensor::<2>::from_dispatch(burn::backend::Dispatch::spikegen_rate(input.into_dispatch(), params, DType::F32));
    assert_eq!(values(spikes), reference::rate(&probability, &params), "kernel and reference agree on the drawn key");
    let mut fixed = params;
    fixed.seed_from_draws = 0;
    assert_ne!(reference::rate(&probability, &params), reference::rate(&probability, &fixed), "the draws, not the seed words, key the trains");
}

#[test]
fn rate_coding_over_more_than_65535_workgroups() {
    let device = gpu();
    let neurons = 65_536 * 256 + 7;
    let data = Tensor::<1>::full([neurons], 0.25, (&device, DType::F16));
    let spikes: Tensor<2> = rate(data, 1, RateOptions { seed: Some(5), ..Default::default() }).expect("valid");
    let got = values(spikes);
    let fired = got.iter().filter(|s| **s == 1.0).count() as f64 / neurons as f64;
    assert!((fired - 0.25).abs() < 0.001, "rate {fired}");
    // Spot-check the last workgroup against the reference.
    let params =
        RateParams { neurons: neurons as u32, steps: 1, first_spike_time: 0, seed_lo: 5, seed_hi: 0, seed_from_draws: 0, _pad1: 0, _pad2: 0 };
    let expected = reference::rate(&vec![0.25; neurons], &params);
    assert_eq!(&got[neurons - 300..], &expected[neurons - 300..]);
}
