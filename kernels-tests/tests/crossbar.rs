//! Crossbar programming and reads: GPU vs the CPU reference, the counter-based noise streams,
//! aihwkit's check values, noise statistics, ideal = matmul, tiling invariance, persistence
//! of device variation, and configuration errors.

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::NeuroError;
use burn_neuro::analog::config::{BoundManagement, Drift, NoiseManagement, ProgrammingNoise, ReadNoise};
use burn_neuro::analog::{CrossbarConfig, ProgrammedCrossbar};
use burn_neuro::kernels::crossbar::CrossbarSettings;
use burn_neuro::reference::{Storage, crossbar as reference};
use burn_neuro::rng::{normal_from, philox};
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};

fn weights(inputs: usize, outputs: usize, seed: u64) -> Vec<f32> {
    uniform(inputs * outputs, seed, -0.5, 0.5)
}

#[test]
fn philox_matches_the_published_known_answer() {
    // Random123 kat_vectors, philox4x32_10, counter = key = 0.
    assert_eq!(philox([0; 4], [0; 2]), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]);
}

#[test]
fn programming_noise_stream_is_bit_identical_to_the_reference() {
    // Zero weights put both devices at g_min; with σ = 1 µS the programmed conductance is
    // exactly g_min + z, so the GPU must reproduce the reference's normal draws bit for bit.
    let device = gpu();
    let config = CrossbarConfig::ideal().with_programming_noise(ProgrammingNoise::Constant(1.0)).with_g_min(10.0).with_seed(7);
    let (inputs, outputs) = (37, 300);
    let crossbar = ProgrammedCrossbar::program(Tensor::zeros([inputs, outputs], &device), &config).expect("programs");
    let planes = values(crossbar.planes());
    let settings = CrossbarSettings::new(&config, inputs, outputs, 1);
    let expected = reference::program(&settings, &vec![0.0; inputs * outputs]);
    assert!(planes.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits()), "noise streams differ");
    let z = normal_from(philox([5, 1, u32::MAX, 1], [7, 0]));
    assert_eq!(planes[inputs * outputs + 5], 10.0 + z, "device 5, negative polarity");
}

fn every_program_effect() -> CrossbarConfig {
    CrossbarConfig::new()
        .with_levels(Some(16))
        .with_programming_noise(ProgrammingNoise::PcmPolynomial(1.0))
        .with_device_variation(0.05)
        .with_stuck_at_min(0.02)
        .with_stuck_at_max(0.02)
        .with_drift(Some(Drift { time: 3600.0, t0: 20.0, scale: 1.0, compensation: true }))
        .with_seed(11)
}

#[test]
fn programming_matches_the_reference_with_every_effect() {
    let device = gpu();
    let config = every_program_effect();
    let (inputs, outputs) = (70, 129);
    let w = weights(inputs, outputs, 3);
    let crossbar = ProgrammedCrossbar::program(tensor(w.clone(), [inputs, outputs], DType::F32, &device), &config).expect("programs");
    let expected = reference::program(&CrossbarSettings::new(&config, inputs, outputs, 1), &w);
    assert_close(&values(crossbar.planes()), &expected, 1e-5, 1e-5, "planes (g±, ν±)");
}

/// The reference read of `x` through `crossbar`'s effective weights, conductances and gains,
/// with the current converted to µA as `ProgrammedCrossbar` does.
fn reference_read(crossbar: &ProgrammedCrossbar, settings: &CrossbarSettings, storage: Storage, x: &[f32]) -> reference::ReadOutput {
    let effective = values(crossbar.effective_weights());
    let planes = values(crossbar.planes());
    let n = effective.len();
    let drift = |p: usize, i: usize| if planes.len() == 4 * n { (-planes[p * n + i] * settings.params.log_time_ratio).exp() } else { 1.0 };
    let conductance_sum: Vec<f32> = (0..n).map(|i| planes[i] * drift(2, i) + planes[n + i] * drift(3, i)).collect();
    let mut out = reference::read(settings, storage, x, &effective, &conductance_sum, &values(crossbar.gains()));
    let per_weight = values(crossbar.conductance_per_weight())[0];
    out.current.iter_mut().for_each(|c| *c *= per_weight);
    out
}

fn max_gain(crossbar: &ProgrammedCrossbar) -> f32 {
    values(crossbar.gains()).iter().fold(0.0f32, |m, g| m.max(*g))
}

/// Reads `batch × inputs` through `config` on `device` and through the reference.
fn compare_read(device: &Device, config: &CrossbarConfig, batch: usize, inputs: usize, outputs: usize, dtype: DType) {
    let w = weights(inputs, outputs, 5);
    let x: Vec<f32> = uniform(batch * inputs, 6, -1.0, 1.0);
    let x = if dtype == DType::F16 { kernels_tests::to_f16_values(&x) } else { x };
    let crossbar = ProgrammedCrossbar::program(tensor(w.clone(), [inputs, outputs], DType::F32, device), config).expect("programs");
    let (got, traces) = crossbar.read_at(tensor(x.clone(), [batch, inputs], dtype, device), 3, true).expect("reads");
    let got = values(got);
    let traces = traces.expect("requested");

    let mut settings = CrossbarSettings::new(config, inputs, outputs, batch);
    settings.params.call = 3;
    settings.variant.traces = true;
    let storage = if dtype == DType::F16 { Storage::F16 } else { Storage::F32 };
    let expected = reference_read(&crossbar, &settings, storage, &x);
    let what = format!("{batch}×{inputs}→{outputs} tiles {}×{} {dtype:?}", config.tile_rows, config.tile_cols);
    // Summation and division may round differently on a device; an output can then land on the
    // neighbouring ADC level. Require nearly all outputs to agree and the rest to be one level off.
    let step = config.output_step().max(1e-6) * 16.0 * max_gain(&crossbar) * settings.params.row_tiles as f32;
    let close = got.iter().zip(&expected.output).filter(|(a, b)| (*a - *b).abs() <= 1e-4 * b.abs().max(1.0)).count();
    assert!(close as f32 >= 0.98 * got.len() as f32, "{what}: only {close}/{} outputs match", got.len());
    assert_close(&got, &expected.output, step, 1e-3, &format!("outputs, {what}"));
    assert_close(&values(traces.power), &expected.power, 1e-3, 1e-3, &format!("power, {what}"));
    assert_close(&values(traces.current), &expected.current, 1e-3, 1e-3, &format!("current, {what}"));
    let passes: Vec<f32> = expected.passes.iter().map(|&p| p as f32).collect();
    assert_eq!(values(traces.passes), passes, "passes, {what}");
    let array_energy: Vec<f32> = expected.energy.chunks(settings.params.row_tiles as usize * outputs).map(|row| row.iter().sum()).collect();
    assert_close(&values(traces.array_energy), &array_energy, 1e-3, 1e-3, &format!("array energy, {what}"));
    // Energy adds one conversion per column per pass; duration is the slowest tile's passes.
    let adc: Vec<f32> =
        passes.chunks(settings.params.row_tiles as usize * outputs).map(|row| row.iter().sum::<f32>() * config.timing.adc_energy).collect();
    let total: Vec<f32> = array_energy.iter().zip(&adc).map(|(a, b)| a + b).collect();
    assert_close(&values(traces.energy), &total, 1e-3, 1e-3, &format!("energy, {what}"));
    let duration = values(traces.duration);
    assert!(duration.iter().all(|&d| d >= config.timing.integration_time), "{what}: durations {duration:?}");
}

#[test]
fn reads_match_the_reference_across_presets_and_shapes() {
    let device = gpu();
    let rram = CrossbarConfig::rram().with_read_noise(ReadNoise::PcmRead(0.02)).with_seed(2);
    let presets = [CrossbarConfig::ideal(), CrossbarConfig::aihwkit_default(), rram, every_program_effect()];
    for config in &presets {
        compare_read(&device, config, 1, 1, 1, DType::F32);
        // Several tiles each way, none full; more columns per tile than invocations.
        let tiled = config.clone().with_tile_rows(64).with_tile_cols(300);
        compare_read(&device, &tiled, 3, 150, 700, DType::F32);
    }
    if kernels_tests::f16_or_skip(&device, "f16 crossbar read") {
        compare_read(&device, &CrossbarConfig::aihwkit_default().with_tile_rows(100), 2, 250, 40, DType::F16);
    }
    compare_read(&cpu(), &CrossbarConfig::rram(), 2, 20, 9, DType::F32);
}

#[test]
fn reads_fold_more_than_65535_workgroups() {
    // 65,600 × 257 outputs: the elementwise read kernels need 65,856 workgroups of 256. An
    // output bound every row exceeds at first puts all 131,200 (row, row tile, column tile)
    // triples on the bound-management worklist, which the re-read workgroups of
    // shaders/crossbar_read_retry.wgsl stride over.
    let device = gpu();
    let (batch, inputs, outputs) = (65_600, 3, 257);
    let config = CrossbarConfig::aihwkit_default().with_programming_noise(ProgrammingNoise::None).with_output_bound(0.05);
    let w = weights(inputs, outputs, 5);
    let x = uniform(batch * inputs, 6, -1.0, 1.0);
    let crossbar = ProgrammedCrossbar::program(tensor(w, [inputs, outputs], DType::F32, &device), &config).expect("programs");
    let (got, _) = crossbar.read_at(tensor(x.clone(), [batch, inputs], DType::F32, &device), 3, false).expect("reads");
    let got = values(got);
    let mut settings = CrossbarSettings::new(&config, inputs, outputs, batch);
    settings.params.call = 3;
    let expected = reference::read(&settings, Storage::F32, &x, &values(crossbar.effective_weights()), &[], &values(crossbar.gains()));
    let retried = expected.passes.iter().filter(|&&p| p > 1).count();
    assert!(retried as f32 > 0.99 * expected.passes.len() as f32, "only {retried} outputs were re-read");
    let close = got.iter().zip(&expected.output).filter(|(a, b)| (*a - *b).abs() <= 1e-4 * b.abs().max(1.0)).count();
    assert!(close as f32 >= 0.98 * got.len() as f32, "only {close}/{} outputs match", got.len());
    assert_close(&got, &expected.output, config.output_step() * 16.0, 1e-3, "65,600 saturating rows");
}

#[test]
fn aihwkit_check_values() {
    let io = CrossbarConfig::new();
    assert!((io.input_step() - 0.015_873).abs() < 1e-6, "Δin = 2/126");
    assert!((io.output_step() - 0.047_059).abs() < 1e-6, "Δout = 24/510");
    assert!((io.max_bound_factor() - 15.75).abs() < 0.01, "max_bm_res / Δin");
    // At most 5 passes: β = 1, 2, 4, 8, 16. Saturate every output of a single tile.
    let device = gpu();
    let config = CrossbarConfig::new().with_output_noise(0.0).with_output_bound(0.01);
    let (inputs, outputs) = (64, 8);
    let w = vec![0.5; inputs * outputs];
    let x = vec![1.0; inputs];
    let crossbar = ProgrammedCrossbar::program(tensor(w.clone(), [inputs, outputs], DType::F32, &device), &config).expect("programs");
    let settings = CrossbarSettings::new(&config, inputs, outputs, 1);
    let expected = reference_read(&crossbar, &settings, Storage::F32, &x);
    assert_eq!(expected.passes, vec![5; outputs], "bound management stops after 5 passes");
    let (gpu_out, _) = crossbar.read_at(tensor(x, [1, inputs], DType::F32, &device), 0, false).expect("reads");
    assert_close(&values(gpu_out), &expected.output, 1e-5, 1e-5, "saturated read on the GPU");
    // PCM programming σ at ĝ = 1, 0.5, 0.1 with g_max = 25 µS (aihwkit: 1.055, 0.953, 0.448).
    for (g_hat, sigma) in [(1.0f32, 1.055), (0.5, 0.953), (0.1, 0.448)] {
        let measured = measured_programming_sigma(&device, g_hat);
        assert!((measured - sigma).abs() / sigma < 0.02, "σ_prog(ĝ = {g_hat}) = {measured}, aihwkit {sigma}");
    }
    // Drift factor (t/t0)^-ν for ν = 0.049: 0.775 after 1 h, 0.664 after 1 day, 0.497 after 1 year.
    for (time, factor) in [(3600.0f32, 0.775), (86_400.0, 0.664), (31_536_000.0, 0.497)] {
        let got = (time / 20.0).powf(-0.049);
        assert!((got - factor).abs() < 1e-3, "drift factor at {time} s: {got}");
    }
}

/// Standard deviation of programmed conductances around a target ĝ·g_max (2·10⁵ devices).
fn measured_programming_sigma(device: &Device, g_hat: f32) -> f32 {
    let config = CrossbarConfig::aihwkit_default().with_seed(99);
    let (inputs, outputs) = (400, 250);
    // One weight of 1 fixes max|W| = 1; the rest sit at ĝ on the positive device.
    let mut w = vec![g_hat; inputs * outputs];
    w[0] = 1.0;
    let crossbar = ProgrammedCrossbar::program(tensor(w, [inputs, outputs], DType::F32, device), &config).expect("programs");
    let planes = values(crossbar.planes());
    let positive = &planes[1..inputs * outputs];
    let goal = 25.0 * g_hat;
    let variance = positive.iter().map(|g| (g - goal) * (g - goal)).sum::<f32>() / positive.len() as f32;
    variance.sqrt()
}

fn mean_and_sigma(values: &[f32]) -> (f32, f32) {
    let n = values.len() as f64;
    let mean = values.iter().map(|v| *v as f64).sum::<f64>() / n;
    let var = values.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean as f32, var.sqrt() as f32)
}

#[test]
fn noise_statistics() {
    let device = gpu();
    // Output noise: zero input, no quantization; outputs are σ_out·ξ·max|W| (max|W| = 1).
    let config = CrossbarConfig::ideal().with_output_noise(0.5).with_seed(4);
    let (inputs, outputs, batch) = (4, 500, 400);
    let mut w = vec![0.0; inputs * outputs];
    w[0] = 1.0;
    let crossbar = ProgrammedCrossbar::program(tensor(w, [inputs, outputs], DType::F32, &device), &config).expect("programs");
    let y = values(crossbar.read(Tensor::zeros([batch, inputs], &device)).expect("reads"));
    let (mean, sigma) = mean_and_sigma(&y);
    assert!(mean.abs() < 0.01 * 0.5 && (sigma - 0.5).abs() < 0.01 * 0.5, "output noise: mean {mean}, σ {sigma}");

    // Constant programming noise and device variation, from zero weights (g = g_min).
    let config = CrossbarConfig::ideal().with_programming_noise(ProgrammingNoise::Constant(0.8)).with_g_min(20.0).with_seed(8);
    let planes = values(ProgrammedCrossbar::program(Tensor::zeros([400, 500], &device), &config).expect("programs").planes());
    let deviations: Vec<f32> = planes.iter().map(|g| g - 20.0).collect();
    let (mean, sigma) = mean_and_sigma(&deviations);
    assert!(mean.abs() < 0.01 * 0.8 && (sigma - 0.8).abs() < 0.01 * 0.8, "programming noise: mean {mean}, σ {sigma}");
    let config = CrossbarConfig::ideal().with_device_variation(0.1).with_g_min(20.0).with_seed(9);
    let planes = values(ProgrammedCrossbar::program(Tensor::zeros([400, 500], &device), &config).expect("programs").planes());
    let factors: Vec<f32> = planes.iter().map(|g| g / 20.0 - 1.0).collect();
    let (mean, sigma) = mean_and_sigma(&factors);
    assert!(mean.abs() < 0.01 * 0.1 && (sigma - 0.1).abs() < 0.01 * 0.1, "device variation: mean {mean}, σ {sigma}");

    // Stuck-at fractions, counted on positive devices that target the middle of the range.
    let config = CrossbarConfig::ideal().with_stuck_at_min(0.1).with_stuck_at_max(0.05).with_g_min(1.0).with_g_max(40.0).with_seed(10);
    let mut w = vec![0.5; 400 * 500];
    w[0] = 1.0;
    let planes = values(ProgrammedCrossbar::program(tensor(w, [400, 500], DType::F32, &device), &config).expect("programs").planes());
    let positive = &planes[1..planes.len() / 2];
    let n = positive.len() as f32;
    let at_min = positive.iter().filter(|g| **g == 1.0).count() as f32 / n;
    let at_max = positive.iter().filter(|g| **g == 40.0).count() as f32 / n;
    assert!((at_min - 0.1).abs() < 0.02 * 0.1 && (at_max - 0.05).abs() < 0.02 * 0.05, "stuck fractions {at_min} {at_max}");
}

#[test]
fn ideal_crossbar_equals_matmul_and_quantized_stays_within_its_bound() {
    let device = gpu();
    let (batch, inputs, outputs) = (5, 300, 70);
    let w = weights(inputs, outputs, 12);
    let x = uniform(batch * inputs, 13, -1.0, 1.0);
    let w_t = tensor(w.clone(), [inputs, outputs], DType::F32, &device);
    let x_t = tensor(x.clone(), [batch, inputs], DType::F32, &device);
    let exact = values(x_t.clone().matmul(w_t.clone()));
    let ideal = values(ProgrammedCrossbar::program(w_t.clone(), &CrossbarConfig::ideal()).expect("programs").read(x_t.clone()).expect("reads"));
    assert_close(&ideal, &exact, 1e-4, 1e-4, "ideal crossbar vs matmul");

    // DAC/ADC only (no noise): |error| <= Σ_tiles α·(Δout/2 + Δin/2·Σ|w_eff|)·max|W|.
    let config =
        CrossbarConfig::new().with_output_noise(0.0).with_bound_management(BoundManagement::None).with_output_bound(1000.0).with_tile_rows(128);
    let quantized = values(ProgrammedCrossbar::program(w_t, &config).expect("programs").read(x_t).expect("reads"));
    let w_max = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for b in 0..batch {
        for o in 0..outputs {
            let mut bound = 0.0;
            for tile in 0..inputs.div_ceil(128) {
                let rows = (tile * 128)..((tile + 1) * 128).min(inputs);
                let alpha = rows.clone().map(|r| x[b * inputs + r].abs()).fold(0.0f32, f32::max);
                let weight_sum: f32 = rows.map(|r| (w[r * outputs + o] / w_max).abs()).sum();
                bound += alpha * (config.output_step() / 2.0 + config.input_step() / 2.0 * weight_sum) * w_max;
            }
            let err = (quantized[b * outputs + o] - exact[b * outputs + o]).abs();
            assert!(err <= bound * 1.001 + 1e-5, "output ({b}, {o}): error {err} over bound {bound}");
        }
    }
}

#[test]
fn tiling_does_not_change_a_noise_free_read() {
    let device = gpu();
    let (batch, inputs, outputs) = (3, 300, 200);
    let w = tensor(weights(inputs, outputs, 14), [inputs, outputs], DType::F32, &device);
    let x = tensor(uniform(batch * inputs, 15, -1.0, 1.0), [batch, inputs], DType::F32, &device);
    let read = |rows, cols| {
        values(
            ProgrammedCrossbar::program(w.clone(), &CrossbarConfig::ideal().with_tile_rows(rows).with_tile_cols(cols))
                .expect("programs")
                .read(x.clone())
                .expect("reads"),
        )
    };
    assert_close(&read(64, 50), &read(512, 1024), 1e-4, 1e-4, "64×50 tiles vs one tile");
}

#[test]
fn variation_persists_and_read_noise_is_fresh_per_read_but_reproducible() {
    let device = gpu();
    let config = CrossbarConfig::rram().with_seed(21);
    let (inputs, outputs) = (50, 30);
    let w = tensor(weights(inputs, outputs, 16), [inputs, outputs], DType::F32, &device);
    let a = ProgrammedCrossbar::program(w.clone(), &config).expect("programs");
    let b = ProgrammedCrossbar::program(w.clone(), &config).expect("programs");
    assert_eq!(values(a.planes()), values(b.planes()), "same seed, same devices");
    let other = ProgrammedCrossbar::program(w, &config.clone().with_seed(22)).expect("programs");
    assert_ne!(values(a.planes()), values(other.planes()), "another seed, other devices");

    let x = tensor(uniform(4 * inputs, 17, -1.0, 1.0), [4, inputs], DType::F32, &device);
    let first = values(a.read(x.clone()).expect("reads"));
    let second = values(a.read(x.clone()).expect("reads"));
    assert_ne!(first, second, "read noise is drawn anew per read");
    let (again, _) = a.read_at(x.clone(), 0, false).expect("reads");
    assert_eq!(values(again), first, "read 0 again gives read 0's noise");
    let (on_b, _) = b.read_at(x, 1, false).expect("reads");
    assert_eq!(values(on_b), second, "same seed and read index, same result");
}

fn argument_of(error: NeuroError) -> &'static str {
    match error {
        NeuroError::Shape { argument, .. }
        | NeuroError::DType { argument, .. }
        | NeuroError::Range { argument, .. }
        | NeuroError::TooLarge { argument, .. } => argument,
        other => panic!("unexpected error {other}"),
    }
}

#[test]
fn bad_configurations_and_inputs_name_the_field() {
    let cases: Vec<(CrossbarConfig, &str)> = vec![
        (CrossbarConfig::new().with_input_bits(Some(0)), "input_bits"),
        (CrossbarConfig::new().with_output_bits(Some(1)), "output_bits"),
        (CrossbarConfig::new().with_g_min(40.0).with_g_max(40.0), "g_max"),
        (CrossbarConfig::new().with_output_noise(-0.1), "output_noise"),
        (CrossbarConfig::new().with_programming_noise(ProgrammingNoise::Constant(-1.0)), "programming_noise"),
        (CrossbarConfig::new().with_stuck_at_min(1.5), "stuck_at_min"),
        (CrossbarConfig::new().with_stuck_at_min(0.6).with_stuck_at_max(0.6), "stuck_at_max"),
        (CrossbarConfig::new().with_tile_rows(0), "tile_rows"),
        (CrossbarConfig::new().with_tile_cols(2048), "tile_cols"),
        (CrossbarConfig::new().with_levels(Some(1)), "levels"),
        (CrossbarConfig::new().with_noise_management(NoiseManagement::Constant(0.0)), "noise_management"),
    ];
    for (config, field) in cases {
        assert_eq!(argument_of(config.validate().unwrap_err()), field);
    }
    let device = gpu();
    let crossbar = ProgrammedCrossbar::program(Tensor::ones([4, 3], &device), &CrossbarConfig::ideal()).expect("programs");
    assert_eq!(argument_of(crossbar.read(Tensor::ones([2, 5], &device)).unwrap_err()), "input");
    let err = ProgrammedCrossbar::program(Tensor::ones([4, 3], &device), &CrossbarConfig::new().with_g_min(-1.0)).unwrap_err();
    assert_eq!(argument_of(err), "g_min");
}

#[test]
fn analog_backward_reads_the_transposed_crossbar() {
    let device = gpu().autodiff();
    let (batch, inputs, outputs) = (4, 150, 90);
    let w = weights(inputs, outputs, 30);
    let x = uniform(batch * inputs, 31, -1.0, 1.0);
    let upstream = uniform(batch * outputs, 32, -1.0, 1.0);
    let w_t = tensor(w.clone(), [inputs, outputs], DType::F32, &device);
    let dy = tensor(upstream.clone(), [batch, outputs], DType::F32, &device);

    // Ideal crossbar: the analog backward is exactly dY·Wᵀ.
    let crossbar = ProgrammedCrossbar::program(w_t.clone(), &CrossbarConfig::ideal().with_tile_rows(64).with_tile_cols(50)).expect("programs");
    let x_t = tensor(x.clone(), [batch, inputs], DType::F32, &device).require_grad();
    let grads = (crossbar.read(x_t.clone()).expect("reads") * dy.clone()).sum().backward();
    let expected = values(dy.clone().matmul(w_t.clone().transpose()));
    assert_close(&values(x_t.grad(&grads).expect("dX")), &expected, 1e-4, 1e-4, "ideal analog backward");

    // Noisy crossbar: the GPU's transposed read matches the reference's.
    let config = CrossbarConfig::rram().with_seed(33).with_tile_rows(64).with_tile_cols(50);
    let crossbar = ProgrammedCrossbar::program(w_t, &config).expect("programs");
    let x_t = tensor(x, [batch, inputs], DType::F32, &device).require_grad();
    let (y, _) = crossbar.read_at(x_t.clone(), 5, false).expect("reads");
    let got = values(x_t.grad(&(y * dy).sum().backward()).expect("dX"));
    let mut settings = CrossbarSettings::new(&config, inputs, outputs, batch);
    settings.params.call = 5;
    let transposed = settings.transposed(batch);
    // aihwkit scales the output gradient by the mapping scales before the backward read.
    let gains = values(crossbar.gains());
    let scaled: Vec<f32> = upstream.iter().enumerate().map(|(i, g)| g * gains[i % outputs]).collect();
    let expected = reference::read(&transposed, Storage::F32, &scaled, &values(crossbar.effective_weights()), &[], &vec![1.0; inputs]);
    assert!(transposed.variant.transposed && transposed.params.max_bound_factor == 0.0);
    let step = config.output_step() * 16.0 * max_gain(&crossbar) * transposed.params.row_tiles as f32;
    assert_close(&got, &expected.output, step, 1e-3, "noisy analog backward vs reference");
    let exact = got.iter().zip(&expected.output).filter(|(a, b)| (*a - *b).abs() <= 1e-4 * b.abs().max(1.0)).count();
    assert!(exact as f32 >= 0.98 * got.len() as f32, "{exact}/{} gradients match exactly", got.len());
}

#[test]
fn inference_drift_matches_the_reference_and_aihwkit_read_noise() {
    let device = gpu();
    // Drift with compensation: GPU vs reference on a small crossbar.
    let config = every_program_effect();
    let (inputs, outputs) = (40, 33);
    let w = weights(inputs, outputs, 40);
    let crossbar = ProgrammedCrossbar::program(tensor(w, [inputs, outputs], DType::F32, &device), &config).expect("programs");
    let later = crossbar.drift_to(86_400.0, 2).expect("drifts");
    let params = burn_neuro::kernels::crossbar::DriftParams::new(inputs * outputs, config.seed, 2, 86_400.0, 20.0, config.g_max, true);
    let expected = reference::drift(&values(crossbar.planes()), &params);
    assert_close(&values(later.planes()), &expected, 1e-4, 1e-4, "drifted conductances");
    let x = tensor(uniform(2 * inputs, 41, -1.0, 1.0), [2, inputs], DType::F32, &device);
    assert_eq!(later.read(x).expect("reads").dims(), [2, outputs]);
    assert!(
        ProgrammedCrossbar::program(Tensor::ones([2, 2], &device), &CrossbarConfig::new()).expect("programs").drift_to(1.0, 0).is_err(),
        "needs drift statistics"
    );

    // aihwkit PCM read noise at ĝ = 1: σ/g = 3.68% (t_inference = 0), 4.19% (1 h), 4.48% (1 day),
    // 4.96% (1 year). ν = 0 isolates the read noise from drift.
    let config = CrossbarConfig::ideal()
        .with_g_min(0.0)
        .with_g_max(25.0)
        .with_drift(Some(Drift { time: 0.0, t0: 20.0, scale: 0.0, compensation: false }))
        .with_seed(42);
    let crossbar = ProgrammedCrossbar::program(Tensor::ones([400, 250], &device), &config).expect("programs");
    for (t_inference, relative) in [(0.0f32, 0.0368), (3600.0, 0.0419), (86_400.0, 0.0448), (31_536_000.0, 0.0496)] {
        let planes = values(crossbar.drift_to(t_inference, 7).expect("drifts").planes());
        let positive = &planes[..100_000];
        let (mean, sigma) = mean_and_sigma(positive);
        assert!((mean - 25.0).abs() < 0.01, "mean conductance {mean}");
        assert!((sigma / mean - relative).abs() < 0.02 * relative, "read σ/g at t = {t_inference}: {}", sigma / mean);
    }
}
