//! `burn-neuro train`: a short run on the generated digits learns in f16 and f32, a resumed run
//! continues at the same optimizer step with the same numbers, memory-light BPTT holds less for
//! the same losses, and errors are one clear line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burn_neuro_cli::train::run::EpochMetrics;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("burn-neuro-train-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A short run: 384 generated digits, batches of 64, 10 time steps, a faster learning rate.
fn train(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["train", "--train-size", "384", "--test-size", "128", "--batch-size", "64", "--steps", "10", "--lr", "2e-3", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("runs")
}

fn metrics(out: &Path) -> Vec<EpochMetrics> {
    let text = std::fs::read_to_string(out.join("metrics.json")).expect("metrics.json written");
    serde_json::from_str(&text).expect("metrics parse")
}

fn assert_success(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "train failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[test]
fn one_short_epoch_learns_in_f16_and_f32() {
    for precision in ["f16", "f32"] {
        let out = scratch(precision);
        let stdout = assert_success(&train(&out, &["--precision", precision, "--epochs", "1"]));
        let last = stdout.lines().last().unwrap_or_default();
        assert!(last.starts_with("test accuracy: ") && last.contains(precision), "{stdout}");
        let m = metrics(&out);
        assert_eq!(m.len(), 1);
        let losses = &m[0].batch_losses;
        assert_eq!(losses.len(), 6);
        let (first, last) = ((losses[0] + losses[1]) / 2.0, (losses[4] + losses[5]) / 2.0);
        assert!(last < 0.9 * first, "{precision}: loss must go down: {losses:?}");
        assert!(m[0].test_accuracy > 0.2, "{precision}: above chance (10%): {}", m[0].test_accuracy);
        for file in ["metrics.csv", "loss.png", "accuracy.png", "checkpoint/model.bpk", "checkpoint/optimizer.bpk", "checkpoint/state.json"] {
            assert!(out.join(file).is_file(), "{file} missing");
        }
        image::open(out.join("loss.png")).expect("a readable loss chart");
    }
}

/// Tutorial 6 (rate-coded input, ce_rate_loss): the loss sits at ln 10 while the output layer
/// is silent, then falls. On the CPU path: Burn's CPU convolutions take 15 s for this run,
/// lavapipe's 15× longer.
#[test]
fn the_convolutional_model_learns() {
    let out = scratch("cnn");
    let output = Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["train", "--model", "cnn", "--device", "cpu", "--precision", "f32", "--train-size", "1024", "--test-size", "64"])
        .args(["--batch-size", "64", "--steps", "8", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_success(&output);
    let losses = &metrics(&out)[0].batch_losses;
    assert_eq!(losses.len(), 16);
    assert!((losses[0] - 10f64.ln()).abs() < 1e-3, "a silent output layer starts at ln 10: {losses:?}");
    let mean = |range: std::ops::Range<usize>| losses[range].iter().sum::<f64>() / 4.0;
    assert!(mean(12..16) < mean(0..4) - 0.15, "cnn loss must go down: {losses:?}");
}

/// MEMprop's network of memristive neurons (exact BPTT, peak-membrane readout) learns on the
/// CPU path; f16, a stray `--hidden`, `--compare-precision`, `--memory-light` and sequences
/// beyond the tested stable length are refused.
#[test]
fn the_memristive_neuron_model_learns() {
    let out = scratch("mif");
    let output = Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["train", "--model", "mif-mlp", "--device", "cpu", "--train-size", "768", "--test-size", "128"])
        .args(["--batch-size", "64", "--steps", "60", "--hidden", "32", "--lr", "2e-3", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    let stdout = assert_success(&output);
    assert!(stdout.lines().last().unwrap_or_default().contains("f32"), "{stdout}");
    let m = metrics(&out);
    let losses = &m[0].batch_losses;
    assert_eq!(losses.len(), 12);
    let mean = |range: std::ops::Range<usize>| losses[range].iter().sum::<f64>() / 3.0;
    assert!(mean(9..12) < 0.9 * mean(0..3), "mif-mlp loss must go down: {losses:?}");
    assert!(m[0].test_accuracy > 0.2, "above chance (10%): {}", m[0].test_accuracy);
    assert_one_line_error(&train(&out, &["--model", "mif-mlp", "--precision", "f16"]), "f32");
    assert_one_line_error(&train(&out, &["--model", "cnn", "--hidden", "10"]), "--hidden");
    assert_one_line_error(&train(&out, &["--model", "mif-mlp", "--compare-precision"]), "--compare-precision");
    assert_one_line_error(&train(&out, &["--model", "mif-mlp", "--memory-light"]), "--memory-light");
    let too_long = Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["train", "--model", "mif-mlp", "--steps", "301", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_one_line_error(&too_long, "300 steps");
}

#[test]
fn resume_continues_at_the_same_step() {
    let straight = scratch("straight");
    assert_success(&train(&straight, &["--precision", "f32", "--epochs", "2"]));
    let resumed = scratch("resumed");
    assert_success(&train(&resumed, &["--precision", "f32", "--epochs", "1"]));
    assert_success(&train(&resumed, &["--precision", "f32", "--epochs", "2", "--resume"]));
    let (a, b) = (metrics(&straight), metrics(&resumed));
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].global_step, 6);
    assert_eq!(a[1].global_step, b[1].global_step, "the second epoch continues the step count");
    for (x, y) in a[1].batch_losses.iter().zip(&b[1].batch_losses) {
        assert!((x - y).abs() <= 1e-3 * x.abs().max(1.0), "resumed losses differ: {:?} vs {:?}", a[1].batch_losses, b[1].batch_losses);
    }
    // A checkpoint of another configuration is refused.
    let other = train(&resumed, &["--precision", "f16", "--epochs", "3", "--resume"]);
    assert_one_line_error(&other, "different run");
}

fn assert_one_line_error(output: &Output, contains: &str) {
    assert!(!output.status.success(), "expected failure");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected:\n{stderr}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(contains), "{stderr}");
}

#[test]
fn the_default_device_is_the_cpu_path_where_wgpu_finds_only_software_rasterizers() {
    let adapters = burn_neuro::adapters::list_adapters();
    let stdout = assert_success(&train(&scratch("auto"), &["--epochs", "1"]));
    let announced = stdout.lines().any(|l| l.starts_with("device: ") && l.contains("running on the CPU path"));
    let only_software = adapters.iter().all(|a| a.device_type == "Cpu");
    assert_eq!(announced, only_software, "adapters {:?}:\n{stdout}", adapters.iter().map(|a| &a.device_type).collect::<Vec<_>>());
    if only_software {
        // f32 by default on the CPU path.
        assert!(stdout.lines().last().unwrap_or_default().contains("(f32,"), "{stdout}");
    }
}

#[test]
fn train_errors_are_one_clear_line() {
    let out = scratch("errors");
    assert_one_line_error(&train(&out, &["--data", "/nonexistent/mnist"]), "--data /nonexistent/mnist: not a folder");
    assert_one_line_error(&train(&out, &["--device", "99"]), "--device 99: no such adapter");
    assert_one_line_error(&train(&out, &["--device", "tpu"]), "--device tpu");
    assert_one_line_error(&train(&scratch("none"), &["--resume"]), "--resume");
    // f16 on an adapter without SHADER_F16, where this machine has one (e.g. a GL adapter).
    if let Some(plain) = burn_neuro::adapters::list_adapters().iter().find(|a| !a.shader_f16) {
        let index = plain.index.to_string();
        assert_one_line_error(&train(&out, &["--device", &index, "--precision", "f16"]), "SHADER_F16");
    }
}

#[test]
fn memory_light_training_holds_less_and_learns_the_same() {
    // Device memory is measured on a GPU (software or not), not on the CPU path.
    let (full, light) = (scratch("full-state"), scratch("light-state"));
    assert_success(&train(&full, &["--device", "gpu", "--precision", "f32", "--epochs", "1"]));
    let stdout = assert_success(&train(&light, &["--device", "gpu", "--precision", "f32", "--epochs", "1", "--memory-light"]));
    assert!(stdout.contains("held for backward"), "{stdout}");
    let (full, light) = (&metrics(&full)[0], &metrics(&light)[0]);
    let (held_full, held_light) = (full.held_for_backward_bytes.expect("reported"), light.held_for_backward_bytes.expect("reported"));
    assert!(held_light < held_full, "compact saved state: {held_light} bytes held vs {held_full}");
    // Same data, seed and order; only the backward's states are f16: the losses stay close.
    for (a, b) in full.batch_losses.iter().zip(&light.batch_losses) {
        assert!((a - b).abs() <= 0.02 * a.abs(), "losses {:?} vs {:?}", full.batch_losses, light.batch_losses);
    }
}

/// Without a desktop login (no XDG_RUNTIME_DIR) the loaders would print an error line per
/// adapter on a run that succeeds; the CLI's first run is clean.
#[test]
fn a_run_without_xdg_runtime_dir_prints_no_loader_errors() {
    let output = Command::new(env!("CARGO_BIN_EXE_burn-neuro")).arg("info").env_remove("XDG_RUNTIME_DIR").output().expect("the CLI runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("XDG_RUNTIME_DIR"), "loader noise on stderr:\n{stderr}");
}
