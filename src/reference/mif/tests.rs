//! The reference's own checks: the notebook's golden trace, its unit systems, f32 vs f64,
//! gradients vs central differences, and the kernels' layouts.
use super::*;

/// The golden trace's length: the recipe quotes v after 999 updates.
const GOLDEN_STEPS: usize = 999;

/// The notebook's own numbers: R in Ω, currents in mA, "C" = 1e-4 with dt = 1, and a(0) in
/// the same current unit.
fn notebook_units(resistance_scale: f64) -> (MifParams, f64) {
    let params = MifParams {
        r_on: 1e3 * resistance_scale,
        r_off: 1e5 * resistance_scale,
        capacitance: 1e-4 / resistance_scale,
        dt: 1.0,
        ..MifParams::default()
    };
    (params, NOTEBOOK_KICK * 1e-3 / resistance_scale)
}

/// Runs the golden trace in f64. It returns the membrane output and all states ([T + 1],
/// where index u is the state after u updates).
fn golden(params: &MifParams, kick: f64) -> (Vec<f64>, Vec<MifState<f64>>) {
    let initial = [MifState { a: kick, ..MifState::<f64>::rest(params) }];
    let input = vec![0.0f64; GOLDEN_STEPS];
    let trajectory = forward(params, &input, Some(&initial[..]), GOLDEN_STEPS, 1);
    let states = record(params, &input, Some(&initial[..]), GOLDEN_STEPS, 1);
    (trajectory.membrane, states)
}

/// Index of the first extreme value under `better`.
fn extreme(values: &[f64], better: impl Fn(f64, f64) -> bool) -> usize {
    let mut best = 0;
    for (k, &value) in values.iter().enumerate() {
        if better(value, values[best]) {
            best = k;
        }
    }
    best
}

#[test]
fn golden_trace_matches_the_notebook() {
    let params = MifParams::default();
    let (membrane, states) = golden(&params, NOTEBOOK_KICK);
    assert_eq!(membrane.len(), GOLDEN_STEPS);
    // Output t is v after t + 1 updates, and the recipe counts updates.
    let v_after = |updates: usize| membrane[updates - 1];

    // The notebook's trace as published with the paper's recipe, to the digits printed there.
    for (updates, value, half_ulp) in [(10, 15.6355, 5e-5), (100, 37.2676, 5e-5), (49, 45.7081, 5e-5), (644, -12.0489, 5e-5), (999, -9.14207, 5e-6)] {
        let got = v_after(updates);
        assert!((got - value).abs() <= half_ulp, "v after {updates} updates: {got} vs {value}");
    }
    assert_eq!(extreme(&membrane, |a, b| a > b) + 1, 49, "max v at update 49");
    assert_eq!(extreme(&membrane, |a, b| a < b) + 1, 644, "min v at update 644");
    let x1: Vec<f64> = states.iter().map(|s| s.x1).collect();
    let peak = extreme(&x1, |a, b| a > b);
    assert_eq!(peak, 218, "max x1 at update 218");
    assert!((x1[peak] - 0.083333).abs() <= 5e-7, "max x1 {}", x1[peak]);

    // Full-precision values from the notebook's literal f64 code run in Python, and the
    // same operations as here. The two agree to 4e-14 mV.
    for (updates, value) in
        [(10, 15.635482504962653), (100, 37.26764225798765), (49, 45.708072794022904), (644, -12.048859772223459), (999, -9.1420709818298)]
    {
        let got = v_after(updates);
        assert!((got - value).abs() <= 1e-9 * value.abs(), "v after {updates} updates: {got:.17} vs {value:.17}");
    }
    assert!((x1[218] - 0.0833331808589509).abs() <= 1e-12, "x1 after 218 updates: {:.17}", x1[218]);
}

#[test]
fn notebook_units_and_its_rescaled_variants_are_the_same_map() {
    // (1 kΩ, "100 µF", 5·e mA-as-A), (1 MΩ, "100 nF", 5·e µA), (1 GΩ, "100 pF", 5·e nA), with dt = 1.
    let (reference, _) = golden(&MifParams::default(), NOTEBOOK_KICK);
    for scale in [1.0, 1e3, 1e6] {
        let (params, kick) = notebook_units(scale);
        let (membrane, _) = golden(&params, kick);
        let worst = membrane.iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst <= 1e-9, "resistance scale {scale}: max |Δv| = {worst:e} mV");
    }
}

#[test]
fn f32_tracks_f64_over_the_golden_trace() {
    let params = MifParams::default();
    let (reference, _) = golden(&params, NOTEBOOK_KICK);
    let initial = [MifState::<f32>::kicked(&params)];
    let input = vec![0.0f32; GOLDEN_STEPS];
    let membrane = forward(&params, &input, Some(&initial[..]), GOLDEN_STEPS, 1).membrane;
    let peak = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = membrane.iter().zip(&reference).map(|(a, b)| (a.to_f64() - b).abs()).fold(0.0, f64::max);
    // numpy f32 gives 3.9e-7 here. The margin allows for a different libm exp.
    assert!(worst / peak < 1e-5, "f32 vs f64: max |Δv| / max |v| = {:e}", worst / peak);
}

/// SplitMix64: deterministic test data without a dependency.
struct SplitMix(u64);

impl SplitMix {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    fn state(&mut self, low: [f64; 5], high: [f64; 5]) -> MifState<f64> {
        MifState {
            a: self.uniform(low[0], high[0]),
            i: self.uniform(low[1], high[1]),
            v: self.uniform(low[2], high[2]),
            x1: self.uniform(low[3], high[3]),
            x2: self.uniform(low[4], high[4]),
        }
    }
}

/// A small random problem with the loss L = Σ w·v_out + Σ w_final·s_T. Its inputs and
/// initial x stay well inside the explicit scheme's stable region (x1 + x2 < 0.18).
struct Case {
    steps: usize,
    neurons: usize,
    input: Vec<f64>,
    initial: Vec<MifState<f64>>,
    weight: Vec<f64>,
    final_weight: Vec<MifState<f64>>,
}

impl Case {
    fn random(seed: u64, steps: usize, neurons: usize) -> Self {
        let mut rng = SplitMix(seed);
        let input = (0..steps * neurons).map(|_| rng.uniform(-0.5, 1.0)).collect();
        let initial = (0..neurons).map(|_| rng.state([0.0, 0.0, -20.0, 0.01, 0.01], [15.0, 5.0, 40.0, 0.05, 0.05])).collect();
        let weight = (0..steps * neurons).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let final_weight = (0..neurons).map(|_| rng.state([-1.0; 5], [1.0; 5])).collect();
        Self { steps, neurons, input, initial, weight, final_weight }
    }

    fn loss(&self, params: &MifParams, input: &[f64], initial: &[MifState<f64>]) -> f64 {
        let trajectory = forward(params, input, Some(initial), self.steps, self.neurons);
        let mut total: f64 = trajectory.membrane.iter().zip(&self.weight).map(|(v, w)| v * w).sum();
        for (s, w) in trajectory.final_state.iter().zip(&self.final_weight) {
            total += s.a * w.a + s.i * w.i + s.v * w.v + s.x1 * w.x1 + s.x2 * w.x2;
        }
        total
    }
}

fn get(s: &MifState<f64>, k: usize) -> f64 {
    match k {
        0 => s.a,
        1 => s.i,
        2 => s.v,
        3 => s.x1,
        _ => s.x2,
    }
}

fn component(s: &mut MifState<f64>, k: usize) -> &mut f64 {
    match k {
        0 => &mut s.a,
        1 => &mut s.i,
        2 => &mut s.v,
        3 => &mut s.x1,
        _ => &mut s.x2,
    }
}

#[test]
fn backward_matches_central_differences() {
    let params = MifParams::default();
    let case = Case::random(0x5EED_0001, 40, 3);
    let states = record(&params, &case.input, Some(&case.initial[..]), case.steps, case.neurons);
    assert!(states.iter().all(|s| s.x1 + s.x2 < 0.18 && s.v.abs() < 200.0), "test case left the stable region");

    let grads = backward(&params, &case.input, Some(&case.initial[..]), &case.weight, Some(&case.final_weight[..]), case.steps, case.neurons);

    // dL/dinput. The loss is ~1e3 and h = 1e-6, so round-off in the difference is ~1e-7.
    let h = 1e-6;
    let (mut worst, mut scale) = (0.0f64, 0.0f64);
    for k in 0..case.input.len() {
        let mut plus = case.input.clone();
        plus[k] += h;
        let mut minus = case.input.clone();
        minus[k] -= h;
        let numeric = (case.loss(&params, &plus, &case.initial) - case.loss(&params, &minus, &case.initial)) / (2.0 * h);
        worst = worst.max((grads.input[k] - numeric).abs());
        scale = scale.max(numeric.abs());
    }
    assert!(scale > 0.1 && worst <= 1e-6 * scale.max(1.0), "dL/dinput: max error {worst:e}, scale {scale:e}");

    // dL/d(initial state), one component at a time. x is ~0.03, so it gets a smaller step.
    for which in 0..5 {
        let (mut worst, mut scale) = (0.0f64, 0.0f64);
        for n in 0..case.neurons {
            let value = get(&case.initial[n], which);
            let delta = if which >= 3 { 1e-7 } else { h * value.abs().max(1.0) };
            let mut plus = case.initial.clone();
            *component(&mut plus[n], which) += delta;
            let mut minus = case.initial.clone();
            *component(&mut minus[n], which) -= delta;
            let numeric = (case.loss(&params, &case.input, &plus) - case.loss(&params, &case.input, &minus)) / (2.0 * delta);
            let analytic = get(&grads.initial[n], which);
            worst = worst.max((analytic - numeric).abs());
            scale = scale.max(numeric.abs());
        }
        assert!(worst <= 1e-6 * scale.max(1.0), "dL/d(initial component {which}): max error {worst:e}, scale {scale:e}");
    }
}

#[test]
fn input_first_reaches_the_membrane_two_outputs_later() {
    // input_t → a_{t+1} → I_{t+2} → v_{t+3} = output t + 2.
    let params = MifParams::default();
    let (steps, t) = (12, 5);
    let base = vec![0.0f64; steps];
    let mut bumped = base.clone();
    bumped[t] = 1.0;
    let a = forward(&params, &base, None, steps, 1).membrane;
    let b = forward(&params, &bumped, None, steps, 1).membrane;
    assert_eq!(a[..t + 2], b[..t + 2], "outputs up to t + 1 must not see input t");
    assert!(b[t + 2] > a[t + 2], "output t + 2 must rise with input t");

    // The same fact from the backward: with a loss on v alone, the last two inputs get zero
    // gradient, and the third from last does not.
    let ones = vec![1.0f64; steps];
    let grads = backward(&params, &base, None, &ones, None, steps, 1);
    assert_eq!(grads.input[steps - 2..], [0.0, 0.0]);
    assert!(grads.input[steps - 3] > 0.0);
}

#[test]
fn f32_backward_tracks_f64_over_the_golden_trace() {
    let params = MifParams::default();
    let mut rng = SplitMix(0x5EED_0002);
    let grad64: Vec<f64> = (0..GOLDEN_STEPS).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let grad32: Vec<f32> = grad64.iter().map(|&g| g as f32).collect();
    let g64 = backward(&params, &vec![0.0f64; GOLDEN_STEPS], Some(&[MifState::<f64>::kicked(&params)][..]), &grad64, None, GOLDEN_STEPS, 1);
    let g32 = backward(&params, &vec![0.0f32; GOLDEN_STEPS], Some(&[MifState::<f32>::kicked(&params)][..]), &grad32, None, GOLDEN_STEPS, 1);
    let scale = g64.input.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    let worst = g32.input.iter().zip(&g64.input).map(|(a, b)| (a.to_f64() - b).abs()).fold(0.0, f64::max);
    // numpy f32 gives 1.9e-6 here.
    assert!(worst / scale < 1e-4, "f32 vs f64 dL/dinput: {:e}", worst / scale);
    let (a, b) = (g32.initial[0], g64.initial[0]);
    for (x, y) in [(a.a, b.a), (a.i, b.i), (a.v, b.v), (a.x1, b.x1), (a.x2, b.x2)] {
        assert!((x.to_f64() - y).abs() <= 1e-4 * y.abs().max(1.0), "f32 vs f64 dL/ds0: {x} vs {y}");
    }
}

/// The kernels' layouts hold the same numbers as `record` and `backward`: the trajectory
/// row by row, and with a gradient on the membrane plane only, the same dL/dinput and
/// dL/d(initial state).
#[test]
fn kernel_layouts_match_record_and_backward() {
    let params = MifParams::default();
    let c = MifCoefficients::<f32>::new(&params);
    let (steps, neurons) = (7, 3);
    let input: Vec<f32> = (0..steps * neurons).map(|k| 0.03 * ((k * 7) % 11) as f32 - 0.05).collect();
    let initial = [MifState::<f32>::kicked(&params), MifState::rest(&params), MifState { v: 12.0, ..MifState::rest(&params) }];
    let planes_of = |states: &[MifState<f32>]| -> Vec<f32> { (0..5).flat_map(|p| states.iter().map(move |s| planes(s)[p])).collect() };
    let trajectory = trajectory(&c, &input, &planes_of(&initial), steps, neurons);
    let states = record(&params, &input, Some(&initial[..]), steps, neurons);
    for t in 0..=steps {
        assert_eq!(&trajectory[t * 5 * neurons..(t + 1) * 5 * neurons], &planes_of(&states[t * neurons..(t + 1) * neurons])[..], "row {t}");
    }
    let grad_membrane: Vec<f32> = (0..steps * neurons).map(|k| ((k * 5) % 7) as f32 - 3.0).collect();
    let mut grad_trajectory = vec![0.0; trajectory.len()];
    for t in 0..steps {
        for n in 0..neurons {
            grad_trajectory[((t + 1) * 5 + 2) * neurons + n] = grad_membrane[t * neurons + n];
        }
    }
    let kernel = trajectory_backward(&c, &trajectory, &grad_trajectory, steps, neurons);
    let expected = backward(&params, &input, Some(&initial[..]), &grad_membrane, None, steps, neurons);
    assert_eq!(&kernel[..steps * neurons], &expected.input[..]);
    assert_eq!(&kernel[steps * neurons..], &planes_of(&expected.initial)[..]);
}

/// The bound `train --model mif-mlp` relies on: a constant drive of ±0.2 µA per step keeps
/// every state finite for 300 steps in f32, and 0.3 does not (the explicit update diverges).
#[test]
fn a_bounded_drive_stays_finite_for_300_steps() {
    let params = MifParams::default();
    let finite = |drive: f32| {
        let states = record(&params, &vec![drive; 300], None, 300, 1);
        states.iter().all(|s| planes(s).iter().all(|v| v.is_finite()))
    };
    assert!(finite(0.2) && finite(-0.2), "±0.2 µA per step must stay finite");
    assert!(!finite(0.3), "0.3 µA per step diverges: the bound the drive limit keeps below");
}
