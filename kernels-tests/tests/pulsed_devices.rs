//! The pulsed device update (`shaders/pulsed_update.wgsl`): aihwkit 1.2.0's own weight
//! trajectories (`data/aihwkit/pulsed_devices.json`, every device model, noise off) on the GPU
//! and the CPU, and the GPU against the CPU reference with every spread and noise on.

use burn::tensor::{DType, Device};
use burn_neuro::analog::pulsed::{DeviceArray, PulsedDevice, StepModel};
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Golden {
    aihwkit: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    device: String,
    params: serde_json::Map<String, Value>,
    w0: Vec<f32>,
    pulses: Vec<i32>,
    weights: Vec<Vec<f32>>,
}

fn golden() -> Golden {
    let text = include_str!("../data/aihwkit/pulsed_devices.json");
    serde_json::from_str(text).expect("pulsed_devices.json parses")
}

/// The device aihwkit's class and parameters describe.
pub fn device_of(class: &str, params: &serde_json::Map<String, Value>) -> PulsedDevice {
    let f = |key: &str| params.get(key).and_then(Value::as_f64).unwrap_or_else(|| panic!("{class}: no numeric `{key}`")) as f32;
    let b = |key: &str| params.get(key).and_then(Value::as_bool).unwrap_or_else(|| panic!("{class}: no boolean `{key}`"));
    let model = match class {
        "ConstantStepDevice" => StepModel::ConstantStep,
        "SoftBoundsDevice" => StepModel::SoftBounds { mult_noise: b("mult_noise") },
        "LinearStepDevice" => StepModel::LinearStep {
            gamma_up: f("gamma_up"),
            gamma_down: f("gamma_down"),
            gamma_up_dtod: f("gamma_up_dtod"),
            gamma_down_dtod: f("gamma_down_dtod"),
            allow_increasing: b("allow_increasing"),
            mean_bound_reference: b("mean_bound_reference"),
            mult_noise: b("mult_noise"),
        },
        "ExpStepDevice" => StepModel::ExpStep {
            a_up: f("A_up"),
            a_down: f("A_down"),
            gamma_up: f("gamma_up"),
            gamma_down: f("gamma_down"),
            a: f("a"),
            b: f("b"),
            dw_min_std_add: f("dw_min_std_add"),
            dw_min_std_slope: f("dw_min_std_slope"),
        },
        "PowStepDevice" => StepModel::PowStep {
            gamma: f("pow_gamma"),
            gamma_dtod: f("pow_gamma_dtod"),
            up_down: f("pow_up_down"),
            up_down_dtod: f("pow_up_down_dtod"),
        },
        other => panic!("device class {other} not in the goldens' vocabulary"),
    };
    // What we do not model must be at its neutral value in the goldens.
    for key in ["diffusion", "lifetime", "reset", "corrupt_devices_prob"] {
        if let Some(value) = params.get(key).and_then(Value::as_f64) {
            assert_eq!(value, 0.0, "{class}: {key} is not modelled");
        }
    }
    for key in ["perfect_bias", "reverse_up", "reverse_down"] {
        assert_ne!(params.get(key).and_then(Value::as_bool), Some(true), "{class}: {key} is not modelled");
    }
    if let Some(enforce) = params.get("enforce_consistency").and_then(Value::as_bool) {
        assert!(enforce, "{class}: only enforce_consistency = true is modelled");
    }
    let write_noise = params.get("write_noise_std").and_then(Value::as_f64).unwrap_or(0.0) as f32;
    PulsedDevice::new(model)
        .with_dw_min(f("dw_min"))
        .with_up_down(f("up_down"))
        .with_w_max(f("w_max"))
        .with_w_min(f("w_min"))
        .with_dw_min_dtod(f("dw_min_dtod"))
        .with_dw_min_dtod_log_normal(b("dw_min_dtod_log_normal"))
        .with_up_down_dtod(f("up_down_dtod"))
        .with_w_max_dtod(f("w_max_dtod"))
        .with_w_min_dtod(f("w_min_dtod"))
        .with_dw_min_std(f("dw_min_std"))
        .with_write_noise_std(write_noise)
}

fn aihwkit_trajectories_match_on(device: &Device) {
    let golden = golden();
    assert_eq!(golden.aihwkit, "1.2.0");
    assert_eq!(golden.cases.len(), 6, "constant step (twice), soft bounds, linear, exp and pow step");
    for case in &golden.cases {
        let model = device_of(&case.device, &case.params);
        let n = case.w0.len();
        let mut array = DeviceArray::program(tensor(case.w0.clone(), [n], DType::F32, device), &model, 7).unwrap();
        for (k, (&pulse, expected)) in case.pulses.iter().zip(&case.weights).enumerate() {
            // aihwkit's +1 is one up pulse on every device.
            array.apply(tensor(vec![pulse as f32; n], [n], DType::F32, device)).unwrap();
            assert_close(&values(array.weights::<1>()), expected, 1e-6, 0.0, &format!("{} after pulse {k}", case.name));
        }
        let writes = values(array.writes::<1>());
        assert!(writes.iter().all(|&w| w == case.pulses.len() as f32), "{}: every pulse is one write: {writes:?}", case.name);
    }
}

#[test]
fn aihwkit_pulse_trajectories_match_on_the_gpu() {
    aihwkit_trajectories_match_on(&gpu());
}

#[test]
fn aihwkit_pulse_trajectories_match_on_the_cpu() {
    aihwkit_trajectories_match_on(&cpu());
}

/// Three updates of random counts in −4..=4 on `devices` devices of every preset, GPU against
/// the CPU reference (the Flex backend), every state array compared.
fn gpu_matches_reference(devices: usize, presets: &[&str], every: usize) {
    for (p, name) in presets.iter().enumerate() {
        let model = PulsedDevice::preset(name).unwrap();
        let w0 = uniform(devices, 11 + p as u64, -0.8, 0.8);
        let program = |device: &Device| DeviceArray::program(tensor(w0.clone(), [devices], DType::F32, device), &model, 0xC0FFEE + p as u64).unwrap();
        let (mut on_gpu, mut on_cpu) = (program(&gpu()), program(&cpu()));
        for step in 0..3u64 {
            // Sparse counts for the largest arrays, so the reference stays quick; the last
            // device always pulses, so the far end of a folded grid is checked.
            let counts: Vec<f32> = uniform(devices, 100 * step + p as u64, -4.99, 4.99)
                .iter()
                .enumerate()
                .map(|(i, c)| if i % every == 0 || i + 1 == devices { c.trunc() } else { 0.0 })
                .collect();
            on_gpu.apply_unchecked(tensor(counts.clone(), [devices], DType::F32, &gpu()));
            on_cpu.apply_unchecked(tensor(counts, [devices], DType::F32, &cpu()));
        }
        let what = |plane: &str| format!("{name}, {devices} devices: {plane}");
        assert_close(&values(on_gpu.held_weights::<1>()), &values(on_cpu.held_weights::<1>()), 1e-6, 1e-6, &what("held"));
        assert_close(&values(on_gpu.weights::<1>()), &values(on_cpu.weights::<1>()), 1e-6, 1e-6, &what("read"));
        assert_eq!(values(on_gpu.writes::<1>()), values(on_cpu.writes::<1>()), "{}", what("writes"));
        assert_eq!(values(on_gpu.pulses::<1>()), values(on_cpu.pulses::<1>()), "{}", what("pulses"));
    }
}

#[test]
fn gpu_matches_the_reference_for_every_preset_with_noise_on() {
    for devices in [1, 1000] {
        gpu_matches_reference(devices, &PulsedDevice::PRESETS, 1);
    }
}

#[test]
fn gpu_matches_the_reference_beyond_65535_workgroups() {
    gpu_matches_reference(65_535 * 256 + 300, &["reram-es"], 4099);
}

#[test]
fn noise_and_spreads_act_and_counters_count() {
    let device = gpu();
    let n = 4096;
    let model = PulsedDevice::gokmen_vlasov();
    let mut array = DeviceArray::program(tensor(vec![0.0; n], [n], DType::F32, &device), &model, 3).unwrap();
    let counts: Vec<f32> = (0..n).map(|i| if i % 2 == 0 { 3.0 } else { 0.0 }).collect();
    array.apply(tensor(counts.clone(), [n], DType::F32, &device)).unwrap();
    array.apply(tensor(counts.iter().map(|c| -c).collect(), [n], DType::F32, &device)).unwrap();
    let (writes, pulses, held) = (values(array.writes::<1>()), values(array.pulses::<1>()), values(array.held_weights::<1>()));
    for i in 0..n {
        let pulsed = i % 2 == 0;
        assert_eq!((writes[i], pulses[i]), if pulsed { (2.0, 6.0) } else { (0.0, 0.0) }, "device {i}");
        if !pulsed {
            assert_eq!(held[i], 0.0, "an unpulsed device keeps its weight");
        }
    }
    // Three up then three down pulses of a noisy device do not return exactly to 0, and the
    // devices differ from each other (device-to-device spread of the steps).
    let moved: Vec<f32> = held.iter().step_by(2).copied().collect();
    let spread = moved.iter().map(|w| w * w).sum::<f32>() / moved.len() as f32;
    assert!(spread.sqrt() > 0.1 * model.dw_min, "pulse noise leaves a spread: rms {}", spread.sqrt());
    let first_steps = {
        let mut fresh = DeviceArray::program(tensor(vec![0.0; n], [n], DType::F32, &device), &model.clone().with_dw_min_std(0.0), 3).unwrap();
        fresh.apply(tensor(vec![1.0; n], [n], DType::F32, &device)).unwrap();
        values(fresh.weights::<1>())
    };
    let mean = first_steps.iter().sum::<f32>() / n as f32;
    let std = (first_steps.iter().map(|w| (w - mean).powi(2)).sum::<f32>() / n as f32).sqrt();
    assert!((mean / model.dw_min - 1.0).abs() < 0.05, "mean step {mean} ≈ dw_min");
    assert!((std / mean - 0.3).abs() < 0.05, "device-to-device step spread {} ≈ dw_min_dtod 0.3", std / mean);
}

#[test]
fn write_noise_separates_what_reads_see_from_what_devices_hold() {
    let device = gpu();
    let n = 2048;
    let model = PulsedDevice::reram_sb();
    let array = DeviceArray::program(tensor(vec![0.1; n], [n], DType::F32, &device), &model, 5).unwrap();
    let (held, seen) = (values(array.held_weights::<1>()), values(array.weights::<1>()));
    assert!(held.iter().all(|&w| w == 0.1), "programming holds the target (inside every device's bounds)");
    let noise: Vec<f32> = held.iter().zip(&seen).map(|(h, s)| s - h).collect();
    let std = (noise.iter().map(|e| e * e).sum::<f32>() / n as f32).sqrt();
    let expected = model.write_noise_std * model.dw_min;
    assert!((std / expected - 1.0).abs() < 0.1, "write noise σ {std} ≈ write_noise_std·dw_min = {expected}");
}

#[test]
fn bad_pulse_counts_are_refused_with_the_argument_named() {
    let device = gpu();
    let mut array = DeviceArray::program(tensor(vec![0.0; 4], [4], DType::F32, &device), &PulsedDevice::idealized(), 0).unwrap();
    for bad in [0.5, f32::NAN, 70_000.0] {
        let error = array.apply(tensor(vec![0.0, bad, 0.0, 0.0], [4], DType::F32, &device)).unwrap_err().to_string();
        assert!(error.contains("pulses") && error.contains("integer"), "{error}");
    }
    let error = array.apply(tensor(vec![0.0; 3], [3], DType::F32, &device)).unwrap_err().to_string();
    assert!(error.contains("pulses") && error.contains("[4]"), "{error}");
    assert_eq!(array.steps(), 0, "a refused update changes nothing");
    let error = DeviceArray::program(tensor(vec![0.0; 4], [4], DType::F32, &device), &PulsedDevice::idealized().with_dw_min(-1.0), 0).unwrap_err();
    assert!(error.to_string().contains("dw_min"), "{error}");
}
