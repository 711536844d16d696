//! `burn-neuro train --model lowbit-cnn --recipe …`: the QSNN / THA papers' network trains with
//! quantized or binarized weights, anneals its thresholds after every step, follows the cosine
//! schedule, reports per-layer spike counts, resumes; misuse is one clear line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burn_neuro_cli::train::run::EpochMetrics;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("burn-neuro-lowbit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A short run on 96 generated digits, batches of 32 (3 optimizer steps per epoch), T = 4.
fn train(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["train", "--model", "lowbit-cnn", "--train-size", "96", "--test-size", "32", "--batch-size", "32", "--steps", "4", "--out"])
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

fn failure(output: &Output) -> String {
    assert!(!output.status.success(), "expected a failure:\n{}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn tha_recipe_anneals_thresholds_reports_layer_spikes_and_resumes() {
    let out = scratch("tha");
    let args = ["--recipe", "tha-mnist", "--t-max", "4", "--precision", "f32"];
    let stdout = success(&train(&out, &[&args[..], &["--epochs", "1"]].concat()));
    assert!(stdout.contains("spikes per test example: lif1"), "{stdout}");
    assert!(stdout.contains("distinct weight values per layer (at most 2): conv1 2, conv2 2, fc 2"), "{stdout}");
    for file in ["layers.csv", "spikes.png", "metrics.csv", "checkpoint/model.bpk"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    image::open(out.join("spikes.png")).expect("a readable chart");
    let first = metrics(&out)[0].clone();
    let names: Vec<&str> = first.layers.iter().map(|l| l.layer.as_str()).collect();
    assert_eq!(names, ["lif1", "lif2", "lif3"]);
    // Three optimizer steps: θ(3) = θ_f − (θ_f − θ₀)(1 − α)³ per layer.
    let expected = [(11.666f64, 4.317, 0.024), (14.105, 16.29, 0.119), (0.6656, 3.496, 0.0011)]
        .map(|(theta0, increment, alpha)| theta0 + increment - increment * (1.0f64 - alpha).powi(3));
    for (layer, want) in first.layers.iter().zip(expected) {
        let got = layer.threshold.expect("thresholds reported") as f64;
        assert!((got - want).abs() < 1e-4, "{}: θ {got}, expected {want}", layer.layer);
        assert!(layer.firing_rate >= 0.0 && layer.firing_rate <= 1.0);
    }
    // Cosine with T_max = 4: steps 0, 1, 2 → the last rate is η₀·(1 + cos(π·2/4))/2 = η₀/2.
    assert!((first.learning_rate - 9.97e-3 / 2.0).abs() < 1e-9, "{}", first.learning_rate);

    // Resuming continues the thresholds (saved with the model) and the schedule.
    success(&train(&out, &[&args[..], &["--epochs", "2", "--resume"]].concat()));
    let both = metrics(&out);
    assert_eq!(both.len(), 2);
    let theta = both[1].layers[0].threshold.expect("reported") as f64;
    let want = 11.666 + 4.317 - 4.317 * (1.0f64 - 0.024).powi(6);
    assert!((theta - want).abs() < 1e-4, "θ after 6 steps {theta}, expected {want}");
    // Step 5 of a period of 8: η₀·(1 + cos(5π/4))/2.
    let rate = 9.97e-3 * (1.0 + (5.0 * std::f64::consts::PI / 4.0).cos()) / 2.0;
    assert!((both[1].learning_rate - rate).abs() < 1e-9, "{} vs {rate}", both[1].learning_rate);
    let csv = std::fs::read_to_string(out.join("layers.csv")).expect("layers.csv");
    assert_eq!(csv.lines().count(), 1 + 2 * 3, "{csv}");
}

#[test]
fn four_bit_recipe_trains_with_fixed_thresholds() {
    let out = scratch("q4");
    let stdout = success(&train(&out, &["--recipe", "qsnn-mnist-q4", "--epochs", "1", "--lr-schedule", "constant"]));
    assert!(stdout.contains("test accuracy"), "{stdout}");
    // The trained (checkpointed) 4-bit weights hold at most 15 values per layer.
    let levels: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("weight-levels.json")).expect("written")).expect("json");
    assert_eq!(levels["limit"], 15);
    for layer in ["conv1", "conv2", "fc"] {
        let n = levels["distinct_values"][layer].as_u64().expect("a count");
        assert!((3..=15).contains(&n), "{layer}: {n} values");
    }
    let first = metrics(&out)[0].clone();
    assert_eq!(first.learning_rate, 5.4e-3, "a constant rate");
    for layer in &first.layers {
        assert_eq!(layer.threshold, Some(2.915), "{}: no annealing in the QSNN recipe", layer.layer);
    }
    assert!(first.train_loss.is_finite());
}

#[test]
fn misuse_is_one_clear_line() {
    let out = scratch("misuse");
    let cases: [(&[&str], &str); 6] = [
        (&["--recipe", "nope"], "--recipe nope: unknown"),
        (&["--weight-bits", "9"], "--weight-bits 9"),
        (&["--weight-bits", "4", "--binarize"], "choose one"),
        (&["--recipe", "qsnn-mnist-q4", "--threshold-anneal", "final"], "no final thresholds"),
        (&["--lr-schedule", "constant", "--t-max", "10"], "--t-max"),
        (&["--t-max", "0"], "--t-max must be at least 1"),
    ];
    for (args, expected) in cases {
        let stderr = failure(&train(&out, args));
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
    let mlp = Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["train", "--model", "mlp", "--recipe", "tha-mnist", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(failure(&mlp).contains("configure --model lowbit-cnn"));
}
