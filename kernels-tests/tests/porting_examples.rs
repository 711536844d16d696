//! The snnTorch porting examples (`examples/`), run as a user runs them at small sizes on the
//! CPU path: each must train to a test accuracy well above chance (10%) on generated digits.
//! `cargo test` builds the examples before it runs the tests; this test runs those binaries.

use std::path::PathBuf;
use std::process::Command;

/// The example binary next to this test's own (`target/<profile>/examples/<name>`).
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps");
    let path = profile_dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.is_file(), "{} is missing: run `cargo test --workspace` (it builds the examples) or `cargo build --examples`", path.display());
    path
}

/// Runs an example on 512 generated digits (one epoch unless `extra` says) and returns its
/// final test accuracy (%).
fn run(name: &str, extra: &[&str]) -> f64 {
    let output = Command::new(example(name))
        .args(["--device", "cpu", "--train-size", "512", "--test-size", "256"])
        .args(if extra.contains(&"--epochs") { &[][..] } else { &["--epochs", "1"][..] })
        .args(extra)
        .output()
        .expect("the example starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{name} failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let last = stdout.lines().rev().find(|l| l.starts_with("test accuracy:")).unwrap_or_else(|| panic!("{name}: no final line in\n{stdout}"));
    last.trim_start_matches("test accuracy:").trim().split('%').next().and_then(|v| v.trim().parse().ok()).expect("a percentage")
}

#[test]
fn tutorial5_trains_and_plots_its_activity() {
    let plots = std::env::temp_dir().join(format!("burn-neuro-tutorial5-plots-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&plots);
    let accuracy = run("tutorial5", &["--plots", plots.to_str().expect("a UTF-8 temp path")]);
    assert!(accuracy >= 50.0, "tutorial5: {accuracy}%");
    for picture in ["hidden-raster.png", "output-counts.png", "output-membrane.png"] {
        let bytes = std::fs::read(plots.join(picture)).unwrap_or_else(|e| panic!("{picture}: {e}"));
        assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000, "{picture}: {} bytes", bytes.len());
    }
    let _ = std::fs::remove_dir_all(&plots);
}

#[test]
fn tutorial6_trains_with_rate_input_and_ce_rate_loss() {
    let accuracy = run("tutorial6", &["--steps", "10", "--batch-size", "64"]);
    assert!(accuracy >= 35.0, "tutorial6: {accuracy}%");
}

#[test]
fn recurrent_step_loop_trains() {
    let accuracy = run("recurrent", &["--epochs", "4"]);
    assert!(accuracy >= 25.0, "recurrent: {accuracy}%");
}

#[test]
fn analog_first_layer_trains_and_evaluates_on_one_chip() {
    let accuracy = run("analog_first_layer", &["--steps", "10"]);
    assert!(accuracy >= 40.0, "analog_first_layer: {accuracy}%");
}
