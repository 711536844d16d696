//! `burn-neuro reservoir`: a short deep-vs-single run on NARMA-10 and Mackey-Glass writes its
//! record, table and charts and predicts far better than the mean; WOx memristor layers run;
//! bad settings are one clear line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("burn-neuro-reservoir-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn reservoir(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["reservoir", "--device", "cpu", "--seeds", "2", "--steps", "2000", "--layers", "3", "--size", "40", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("runs")
}

fn report(out: &Path, output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "reservoir failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("test NRMSE: deep"), "{stdout}");
    for png in ["prediction.png", "spectra.png"] {
        let image = image::open(out.join(png)).unwrap_or_else(|e| panic!("{png}: {e}"));
        assert!(image.width() > 100 && image.height() > 100, "{png}");
    }
    let table = std::fs::read_to_string(out.join("reservoir.md")).expect("reservoir.md");
    assert!(table.contains("NRMSE"), "{table}");
    serde_json::from_str(&std::fs::read_to_string(out.join("reservoir.json")).expect("reservoir.json")).expect("valid JSON")
}

#[test]
fn narma10_and_mackey_glass_predict_far_better_than_the_mean() {
    for (task, limit) in [("narma10", 0.6), ("mackey-glass", 0.05)] {
        let out = scratch(task);
        let record = report(&out, &reservoir(&out, &["--task", task]));
        for which in ["deep_nrmse", "single_nrmse"] {
            let mean = record[which]["mean"].as_f64().expect("a mean NRMSE");
            // Predicting the target's mean scores 1.
            assert!(mean < limit, "{task}: {which} {mean}");
        }
        assert_eq!(record["layer_centroids"].as_array().map(Vec::len), Some(3), "{task}: one centroid per layer");
        assert_eq!(record["per_seed"].as_array().map(Vec::len), Some(2));
    }
}

#[test]
fn memristor_layers_run() {
    let out = scratch("wox");
    let record = report(&out, &reservoir(&out, &["--node", "wox", "--inter-scaling", "1.0"]));
    let mean = record["deep_nrmse"]["mean"].as_f64().expect("a mean NRMSE");
    assert!(mean.is_finite() && mean < 1.0, "WOx reservoir NRMSE {mean}");
}

#[test]
fn bad_settings_are_one_clear_line() {
    for (args, expected) in
        [(&["--layers", "0"][..], "--layers"), (&["--steps", "50"], "--steps"), (&["--leak", "1.5"], "--leak"), (&["--size", "5000"], "2048")]
    {
        let output = Command::new(env!("CARGO_BIN_EXE_burn-neuro")).args(["reservoir", "--device", "cpu"]).args(args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(expected) && stderr.trim().lines().count() == 1, "{args:?}: {stderr}");
    }
}
