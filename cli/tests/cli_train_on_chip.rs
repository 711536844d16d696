//! `burn-neuro train --model lenet --on-chip …`: LeNet-5 trained on pulsed devices reports its
//! device writes, draws the device weights, resumes with its device state, and checks how the
//! trained weights fare on fresh crossbars; misuse is one clear line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burn_neuro_cli::train::run::EpochMetrics;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("burn-neuro-on-chip-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A short LeNet run on 256 generated digits, batches of 32.
fn train(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["train", "--model", "lenet", "--train-size", "256", "--test-size", "64", "--robustness-seeds", "1", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("runs")
}

fn metrics(out: &Path) -> Vec<EpochMetrics> {
    serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).expect("metrics.json written")).expect("metrics parse")
}

fn success(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "train failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[test]
fn mixed_precision_lenet_reports_writes_histograms_and_robustness_and_resumes() {
    let out = scratch("mixed");
    let args = ["--on-chip", "mixed-precision", "--device-model", "gokmen-vlasov", "--n-x-bins", "255", "--n-d-bins", "255"];
    let stdout = success(&train(&out, &[&args[..], &["--epochs", "1"]].concat()));
    assert!(stdout.contains("lenet/mixed-precision/gokmen-vlasov"), "{stdout}");
    assert!(stdout.contains("device writes") || stdout.contains("devices:"), "{stdout}");
    assert!(stdout.contains("programmed onto 1 fresh rram crossbars"), "{stdout}");
    for file in ["conductances-epoch1.png", "device-writes.png", "robustness.json", "checkpoint/optimizer.bpk"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    image::open(out.join("conductances-epoch1.png")).expect("a readable histogram");
    let first = metrics(&out)[0].devices.clone().expect("device activity reported");
    // LeNet's four weight matrices: 400 + 12,800 + 65,536 + 1,280 devices.
    assert_eq!(first.devices, 80_016);
    assert_eq!(first.weight_updates, 80_016 * 8, "8 batches of 32");
    assert!(first.writes > 0 && first.writes < first.weight_updates, "{first:?}");
    assert_eq!(first.share_written.map(|s| s > 0.0 && s <= 1.0), Some(true), "{first:?}");
    assert!(first.pulses >= first.writes);

    assert_eq!(first.total_steps, 8);
    // Resuming restores χ and every device's state: the step count and counters continue.
    success(&train(&out, &[&args[..], &["--epochs", "2", "--resume"]].concat()));
    let both = metrics(&out);
    assert_eq!(both.len(), 2);
    let second = both[1].devices.clone().expect("device activity reported");
    assert_eq!(second.total_steps, 16, "the devices' state was restored: {second:?}");
    assert!(second.writes > 0 && second.total_writes == first.total_writes + second.writes, "{second:?}");
    assert_eq!(second.share_written, None, "per-device counts before a resume are not kept");
    let robustness: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("robustness.json")).unwrap()).unwrap();
    assert_eq!(robustness["accuracy_per_seed"].as_array().map(Vec::len), Some(1), "{robustness}");
}

#[test]
fn analog_sgd_ideal_updates_and_the_digital_baseline_run() {
    let (sgd, digital) = (scratch("sgd"), scratch("digital"));
    let stdout = success(&train(&sgd, &["--on-chip", "sgd", "--device-model", "idealized", "--epochs", "1"]));
    assert!(stdout.contains("lenet/sgd/idealized"), "{stdout}");
    assert!(metrics(&sgd)[0].devices.is_some());
    // Three epochs: one on 256 examples leaves LeNet near 20% on either path.
    let stdout = success(&train(&digital, &["--epochs", "3"]));
    let runs = metrics(&digital);
    assert!(runs.iter().all(|m| m.devices.is_none()) && !stdout.contains("devices:"), "{stdout}");
    assert!(runs[2].test_accuracy > 0.3, "the digital LeNet learns: {stdout}");
    // Analog reads with exact digital updates: no devices to report, a robustness check all the same.
    let ideal = scratch("ideal-update");
    let stdout = success(&train(&ideal, &["--on-chip", "ideal-update", "--epochs", "1"]));
    assert!(stdout.contains("lenet/ideal-update") && stdout.contains("programmed onto 1 fresh rram"), "{stdout}");
    assert!(metrics(&ideal)[0].devices.is_none());
}

fn one_line_error(output: &Output, contains: &str) {
    assert!(!output.status.success(), "expected a failure");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.first().is_some_and(|l| l.starts_with("error: ") && l.contains(contains)), "{stderr}");
}

#[test]
fn misuse_is_one_clear_line() {
    let out = scratch("errors");
    let run = |extra: &[&str]| Command::new(env!("CARGO_BIN_EXE_burn-neuro")).arg("train").arg("--out").arg(&out).args(extra).output().expect("runs");
    one_line_error(&run(&["--on-chip", "mixed-precision"]), "--model lenet");
    one_line_error(&run(&["--model", "lenet", "--precision", "f16"]), "f32");
    one_line_error(&run(&["--model", "lenet", "--on-chip", "sgd", "--granularity", "0.01"]), "--granularity");
    one_line_error(&run(&["--model", "lenet", "--on-chip", "sgd", "--max-pulses", "0"]), "max_pulses");
    one_line_error(&run(&["--model", "lenet", "--n-d-bins", "9"]), "--on-chip");
    one_line_error(&run(&["--model", "lenet", "--on-chip", "sgd", "--weight-scaling-omega=-1"]), "weight_scaling_omega");
    // clap names the value and lists the presets.
    let output = run(&["--model", "lenet", "--device-model", "pcm-x"]);
    one_line_error(&output, "pcm-x");
    assert!(String::from_utf8_lossy(&output.stderr).contains("reram-sb"));
}
