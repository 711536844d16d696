//! The on-chip optimizers: aihwkit 1.2.0's `MixedPrecisionCompound` (`data/aihwkit/
//! mixed_precision.json`) on GPU and CPU, writes only where |χ| ≥ ε, plain analog SGD, and the
//! optimizer inside Burn's `ModuleOptimizer` beside a digital one.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::{DType, Device, Tensor};
use burn_neuro::analog::pulsed::{OnChipConfig, OnChipOptimizer, OnChipScheme, OnChipState, PulsedDevice, StepModel, param_group};
use burn_neuro::analog::{AnalogBackward, AnalogLinearConfig, CrossbarConfig, UpdateQuantization};
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};
use serde::Deserialize;

#[derive(Deserialize)]
struct Golden {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    device: String,
    dw_min: f32,
    granularity: f32,
    lr: f32,
    #[serde(rename = "W0")]
    w0: Vec<Vec<f32>>,
    steps: Vec<Step>,
    after_each_update: Vec<After>,
}

#[derive(Deserialize)]
struct Step {
    x: Vec<f32>,
    d: Vec<f32>,
}

#[derive(Deserialize)]
struct After {
    weights: Vec<Vec<f32>>,
    chi: Vec<Vec<f32>>,
}

/// The device of the case, as `make_goldens.py` built it (spreads and noise off).
fn device_of(case: &Case) -> PulsedDevice {
    let device = match case.device.as_str() {
        "ConstantStepDevice" => PulsedDevice::new(StepModel::ConstantStep).with_w_max(1.0).with_w_min(-1.0),
        "SoftBoundsDevice" => PulsedDevice::new(StepModel::SoftBounds { mult_noise: true }).with_w_max(0.6).with_w_min(-0.6),
        other => panic!("device {other} not in the goldens' vocabulary"),
    };
    device.with_dw_min(case.dw_min).without_noise()
}

fn flat(rows: &[Vec<f32>]) -> Vec<f32> {
    rows.iter().flatten().copied().collect()
}

/// Our optimizer on aihwkit's updates. χ must equal aihwkit's after every update (it is
/// deterministic). aihwkit applies the n = trunc(χ/ε) pulses of a row through its stochastic
/// pulse trains (Binomial(M, |n|/M) pulses, M = the row's max |n|), we apply exactly |n|: so
/// weights are compared where aihwkit's count is certain (n = 0 or |n| = M) and the device's
/// history so far agrees; elsewhere aihwkit's count must lie in the binomial's support.
fn mixed_precision_matches_aihwkit_on(device: &Device) {
    let golden: Golden = serde_json::from_str(include_str!("../data/aihwkit/mixed_precision.json")).unwrap();
    assert_eq!(golden.cases.len(), 2);
    let mut compared = 0;
    for case in &golden.cases {
        let after = &case.after_each_update;
        let model = device_of(case);
        let scheme = OnChipScheme::MixedPrecision { granularity: Some(case.granularity), max_pulses: 31 };
        // aihwkit maps nothing here: the tile holds W0 as given.
        let optim = OnChipConfig::new(model.clone()).with_scheme(scheme).with_weight_scaling_omega(0.0).init().unwrap();
        let (rows, cols) = (case.w0.len(), case.w0[0].len());
        let mut weights = tensor(flat(&case.w0), [rows, cols], DType::F32, device);
        let mut state: Option<OnChipState<2>> = None;
        let mut in_sync = vec![true; rows * cols];
        let mut previous_golden = flat(&case.w0);
        let mut previous_chi = vec![0.0f32; rows * cols];
        for (t, (step, expected)) in case.steps.iter().zip(after).enumerate() {
            // aihwkit's layer: W [out, in], gradient d·xᵀ.
            let grad: Vec<f32> = step.d.iter().flat_map(|d| step.x.iter().map(move |x| d * x)).collect();
            let (next, next_state) = optim.step(case.lr as f64, weights, tensor(grad.clone(), [rows, cols], DType::F32, device), state);
            let next_state = next_state.unwrap();
            let chi = values(next_state.chi.clone().unwrap());
            assert_close(&chi, &flat(&expected.chi), 1e-6, 0.0, &format!("{}: χ after update {t}", case.name));
            let ours = values(next.clone());
            let golden_w = flat(&expected.weights);
            for r in 0..rows {
                // n of this transfer, from χ before and after (χ_new = χ_old + lr·g − n·ε).
                let n: Vec<i32> = (0..cols)
                    .map(|c| {
                        let i = r * cols + c;
                        ((previous_chi[i] + case.lr * grad[i] - chi[i]) / case.granularity).round() as i32
                    })
                    .collect();
                let m = n.iter().map(|v| v.abs()).max().unwrap_or(0);
                for c in 0..cols {
                    let i = r * cols + c;
                    let certain = n[c] == 0 || n[c].abs() == m;
                    if t == 0 {
                        assert_eq!(n[c], 0, "{}: the first update only accumulates", case.name);
                    }
                    if in_sync[i] && certain {
                        assert!(
                            (ours[i] - golden_w[i]).abs() <= 1e-6,
                            "{} update {t} W[{r}][{c}]: ours {} aihwkit {}",
                            case.name,
                            ours[i],
                            golden_w[i]
                        );
                        compared += 1;
                    } else if !certain {
                        // aihwkit's count k in 0..=M steps of (about) the device's step, against n's sign.
                        let moved = (golden_w[i] - previous_golden[i]) * -(n[c].signum() as f32);
                        assert!(moved >= -1e-6 && moved <= m as f32 * case.dw_min * 2.0 + 1e-6, "{} update {t} W[{r}][{c}] moved {moved}", case.name);
                        in_sync[i] = in_sync[i] && (ours[i] - golden_w[i]).abs() <= 1e-6;
                    }
                }
            }
            previous_golden = golden_w;
            previous_chi = chi;
            weights = next;
            state = Some(next_state);
        }
    }
    assert!(compared >= 40, "compared {compared} certain weight values with aihwkit's");
}

#[test]
fn mixed_precision_matches_aihwkit_on_the_gpu() {
    mixed_precision_matches_aihwkit_on(&gpu());
}

#[test]
fn mixed_precision_matches_aihwkit_on_the_cpu() {
    mixed_precision_matches_aihwkit_on(&cpu());
}

/// Steps `optim` over `updates` random gradients on `n` weights; returns the final state.
fn run(optim: &OnChipOptimizer, n: usize, updates: usize, lr: f64, scale: f32, device: &Device) -> (Tensor<1>, OnChipState<1>) {
    let mut weights = tensor(vec![0.0; n], [n], DType::F32, device);
    let mut state = None;
    for t in 0..updates {
        let grad = tensor(uniform(n, t as u64, -scale, scale), [n], DType::F32, device);
        let (w, s) = optim.step(lr, weights, grad, state);
        weights = w;
        state = s;
    }
    (weights, state.unwrap())
}

#[test]
fn mixed_precision_writes_a_device_only_when_its_accumulator_passes_the_threshold() {
    let device = gpu();
    let model = PulsedDevice::idealized();
    let eps = model.granularity();
    let optim = OnChipConfig::new(model).init().unwrap();
    // Updates of at most 0.3 ε each: a device is written at most every fourth update.
    let (n, updates) = (5000, 40);
    let (_, state) = run(&optim, n, updates, 1.0, 0.3 * eps, &device);
    let writes = values(state.devices.writes.clone());
    let max_writes = writes.iter().copied().fold(0.0, f32::max);
    let total: f32 = writes.iter().sum();
    assert!(max_writes <= (updates / 3) as f32, "a device written {max_writes} times in {updates} updates below 0.3ε");
    assert!(total > 0.0, "some devices reach the threshold");
    let chi = values(state.chi.unwrap());
    assert!(chi.iter().all(|c| c.abs() < eps * 1.000_001), "|χ| < ε after every transfer");
    let activity = optim.activity();
    assert_eq!(activity.len(), 1);
    assert_eq!(activity[0].writes.iter().sum::<f32>(), total);
}

#[test]
fn analog_sgd_loses_updates_below_half_a_step_where_mixed_precision_keeps_them() {
    let device = gpu();
    let model = PulsedDevice::idealized().without_noise();
    let n = 1000;
    // A constant gradient of 0.2 dw_min per step, 50 steps: 10 steps' worth in total.
    let constant = |optim: &OnChipOptimizer| {
        let mut weights = tensor(vec![0.0; n], [n], DType::F32, &device);
        let mut state = None;
        for _ in 0..50 {
            let grad = tensor(vec![-0.2 * model.dw_min; n], [n], DType::F32, &device);
            let (w, s) = optim.step(1.0, weights, grad, state);
            (weights, state) = (w, s);
        }
        values(weights)
    };
    let sgd = constant(&OnChipConfig::new(model.clone()).with_scheme(OnChipScheme::analog_sgd()).init().unwrap());
    let mixed = constant(&OnChipConfig::new(model.clone()).init().unwrap());
    assert!(sgd.iter().all(|&w| w == 0.0), "round(0.2) = 0 pulses every step");
    assert_close(&mixed, &vec![10.0 * model.dw_min; n], 1.5 * model.dw_min, 0.0, "mixed precision moves 10 steps");
}

#[test]
fn a_threshold_of_several_device_steps_transfers_that_many_pulses_and_chi_keeps_what_was_not_applied() {
    let device = gpu();
    let model = PulsedDevice::idealized().without_noise();
    let g = model.granularity();
    // Three weights, `updates` updates of η·∇W = ε each, threshold ε = `eps`·g.
    let run = |eps: f32, max_pulses: u32, updates: usize| {
        let scheme = OnChipScheme::MixedPrecision { granularity: Some(eps * g), max_pulses };
        let optim = OnChipConfig::new(model.clone()).with_scheme(scheme).with_weight_scaling_omega(0.0).init().unwrap();
        let mut weights = tensor(vec![0.0; 3], [3], DType::F32, &device);
        let mut state = None;
        for _ in 0..updates {
            let (w, s) = optim.step(1.0, weights, tensor(vec![eps * g; 3], [3], DType::F32, &device), state);
            (weights, state) = (w, s);
        }
        let state = state.unwrap();
        (values(weights), values(state.devices.applied.clone()), values(state.chi.unwrap()))
    };
    // ε = 4g: χ = ε (no transfer yet), then 2ε → n = 2 → 8 pulses, then ε → 4 pulses.
    let (weights, pulses, chi) = run(4.0, 31, 3);
    assert_close(&weights, &[-12.0 * g; 3], 1e-6 * g, 1e-4, "3 transfers of ε = 12 device steps down");
    assert_eq!(pulses, vec![12.0; 3]);
    assert_close(&chi, &[0.0; 3], 1e-3 * g, 0.0, "nothing left in χ");
    // A cap of 5: 5 of the 8 pulses, χ keeps 3g; then χ = 7g → n = 1 → 4 pulses, χ keeps 3g.
    let (weights, pulses, chi) = run(4.0, 5, 3);
    assert_eq!(pulses, vec![9.0; 3]);
    assert_close(&weights, &[-9.0 * g; 3], 1e-6 * g, 1e-4, "9 steps applied");
    assert_close(&chi, &[3.0 * g; 3], 1e-3 * g, 0.0, "the 3 held-back steps stay in χ");
    // ε = g/2: n = 2 is one pulse, n = 1 rounds to none — and stays in χ instead of draining it.
    let (weights, pulses, chi) = run(0.5, 31, 4);
    assert_eq!(pulses, vec![2.0; 3], "4 updates of g/2 = 2 pulses");
    assert_close(&weights, &[-2.0 * g; 3], 1e-6 * g, 1e-4, "2 steps applied");
    assert_close(&chi, &[0.0; 3], 1e-3 * g, 0.0, "nothing lost or left");
}

#[test]
fn the_optimizer_state_survives_a_save_and_load() {
    let device = gpu().autodiff();
    let layer = AnalogLinearConfig::new(8, 3).with_crossbar(CrossbarConfig::ideal()).init(&device).unwrap();
    let on_chip = OnChipConfig::new(PulsedDevice::gokmen_vlasov()).init().unwrap();
    let optimizer = || AdamConfig::new().init().with_group(param_group([layer.weight.id]), on_chip.clone(), None);
    let mut optim = optimizer();
    let x = tensor(uniform(16 * 8, 5, -1.0, 1.0), [16, 8], DType::F32, &device);
    let step = |layer: burn_neuro::analog::AnalogLinear, optim: &mut burn::optim::ModuleOptimizer| {
        let grads = GradientsParams::from_grads(layer.forward(x.clone()).powi_scalar(2).mean().backward(), &layer);
        optim.step(0.5, layer, grads)
    };
    let mut layer = layer.clone();
    for _ in 0..5 {
        layer = step(layer, &mut optim);
    }
    let mut restored = optimizer().load_record(optim.to_record());
    let (a, b) = (step(layer.clone(), &mut optim), step(layer, &mut restored));
    // χ, device states, counters, seed and step count restored: the same pulses, the same noise.
    assert_eq!(values(a.weight.val().inner()), values(b.weight.val().inner()));
    let activity = on_chip.activity();
    assert_eq!(activity.len(), 1);
    assert_eq!(activity[0].updates, 6, "the restored optimizer continues at update 6");
}

#[test]
fn the_on_chip_optimizer_trains_analog_weights_beside_a_digital_optimizer() {
    let device = gpu().autodiff();
    let mut layer =
        AnalogLinearConfig::new(16, 4).with_crossbar(CrossbarConfig::ideal()).with_backward(AnalogBackward::Analog).init(&device).unwrap();
    // Fixed starting weights: the default init draws from the device's generator, which the
    // tests running beside this one also draw from, so the start (and the loss's fall within
    // 30 steps) would depend on their order.
    layer.weight = burn::module::Param::from_tensor(tensor(uniform(16 * 4, 3, -0.25, 0.25), [16, 4], DType::F32, &device));
    layer.bias = Some(burn::module::Param::from_tensor(tensor(uniform(4, 4, -0.25, 0.25), [4], DType::F32, &device)));
    let analog = param_group([layer.weight.id]);
    let on_chip = OnChipConfig::new(PulsedDevice::idealized()).with_scheme(OnChipScheme::analog_sgd()).init().unwrap();
    let mut optim = AdamConfig::new().init().with_group(analog, on_chip.clone(), None);
    let x = tensor(uniform(32 * 16, 1, -1.0, 1.0), [32, 16], DType::F32, &device);
    let target = tensor(uniform(32 * 4, 2, -1.0, 1.0), [32, 4], DType::F32, &device);
    let loss = |layer: &burn_neuro::analog::AnalogLinear| (layer.forward(x.clone()) - target.clone()).powi_scalar(2).mean();
    let mut layer = layer;
    let first = values(loss(&layer).inner())[0];
    let bias_before = values(layer.bias.as_ref().unwrap().val().inner());
    for _ in 0..30 {
        let grads = GradientsParams::from_grads(loss(&layer).backward(), &layer);
        layer = optim.step(0.05, layer, grads);
    }
    let last = values(loss(&layer).inner())[0];
    assert!(last < 0.8 * first, "the loss falls: {first} → {last}");
    let activity = on_chip.activity();
    assert_eq!(activity.len(), 1, "only the weight is on devices");
    assert_eq!(activity[0].devices, 16 * 4);
    assert!(activity[0].writes.iter().sum::<f32>() > 0.0, "the devices were written, not only the bias trained");
    let mapped: Vec<f32> = activity[0].weights.iter().map(|w| w * activity[0].scale).collect();
    assert_close(&values(layer.weight.val().inner()), &mapped, 1e-7, 1e-6, "the layer's weights are α times the devices' read weights");
    assert_ne!(values(layer.bias.as_ref().unwrap().val().inner()), bias_before, "the digital bias trains with Adam");
    assert!(layer.valid().weight.val().dims() == [16, 4]);
}

/// aihwkit's quantization of a row onto `bins` levels across its absolute maximum.
fn quantized(row: &[f32], bins: u32) -> Vec<f32> {
    let half = (bins / 2) as f32;
    let width = row.iter().fold(0.0f32, |m, v| m.max(v.abs())) / half;
    row.iter().map(|v| (v / width).round_ties_even().clamp(-half, half) * width).collect()
}

#[test]
fn update_quantization_rounds_inputs_and_errors_of_the_weight_gradient_only() {
    let device = gpu().autodiff();
    let (batch, inputs, outputs) = (3, 5, 4);
    let (xs, cs) = (uniform(batch * inputs, 3, -1.0, 1.0), uniform(batch * outputs, 4, -1.0, 1.0));
    let layer = AnalogLinearConfig::new(inputs, outputs)
        .with_bias(false)
        .with_crossbar(CrossbarConfig::ideal())
        .with_backward(AnalogBackward::Analog)
        .init(&device)
        .unwrap();
    let grads = |quantization: UpdateQuantization| {
        let layer = layer.clone().with_update_quantization(quantization);
        let x = tensor(xs.clone(), [batch, inputs], DType::F32, &device).require_grad();
        // dL/dY = c.
        let loss = (layer.forward(x.clone()) * tensor(cs.clone(), [batch, outputs], DType::F32, &device)).sum();
        let mut g = loss.backward();
        let dw = values(layer.weight.grad_remove(&mut g).unwrap());
        let dx = values(x.grad_remove(&mut g).unwrap());
        (dw, dx)
    };
    let (exact_dw, exact_dx) = grads(UpdateQuantization::default());
    let (dw, dx) = grads(UpdateQuantization { x_bins: 5, d_bins: 3 });
    // The expected dW = Σ_b q5(x_b)ᵀ·q3(c_b).
    let qx: Vec<Vec<f32>> = xs.chunks(inputs).map(|r| quantized(r, 5)).collect();
    let qc: Vec<Vec<f32>> = cs.chunks(outputs).map(|r| quantized(r, 3)).collect();
    let expected: Vec<f32> =
        (0..inputs).flat_map(|i| (0..outputs).map(move |o| (i, o))).map(|(i, o)| (0..batch).map(|b| qx[b][i] * qc[b][o]).sum()).collect();
    assert_close(&dw, &expected, 1e-5, 1e-5, "dW from quantized x and d");
    assert!(dw.iter().zip(&exact_dw).any(|(a, b)| (a - b).abs() > 1e-3), "quantization changes dW");
    assert_close(&dx, &exact_dx, 1e-5, 1e-4, "the input gradient stays exact");
}
