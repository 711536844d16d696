//! `burn-neuro dse`: a small exploration writes its report, maps the depthwise layers
//! block-diagonally with the utilisation and ADC trends the mapper computes, and bad flags are
//! one clear line.

use std::process::Command;

fn dse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro")).arg("dse").args(args).output().expect("runs")
}

#[test]
fn a_small_exploration_writes_its_report() {
    let out = std::env::temp_dir().join(format!("burn-neuro-dse-{}", std::process::id()));
    let output = dse(&[
        "--train",
        "256",
        "--test",
        "50",
        "--epochs",
        "1",
        "--tiles",
        "32,256",
        "--noise",
        "0,2",
        "--seeds",
        "1",
        "--device",
        "cpu",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("dse.json")).expect("json")).expect("valid json");
    assert_eq!(json["accuracy"].as_array().map(Vec::len), Some(2 * 2 * 2), "2 networks × 2 tiles × 2 noise levels");
    let rows = json["mapping"].as_array().expect("mapping rows");
    // Dense: 4 layers per tile size; separable: 6.
    assert_eq!(rows.len(), 2 * 4 + 2 * 6);
    let depthwise: Vec<&serde_json::Value> = rows.iter().filter(|r| r["stats"]["mapping"] == "BlockDiagonal").collect();
    assert_eq!(depthwise.len(), 4, "two depthwise layers at two tile sizes");
    let md = std::fs::read_to_string(out.join("dse.md")).expect("markdown");
    assert!(md.contains("fewer partial sums") && md.contains("more cells wasted"), "{md}");
    for png in ["accuracy_vs_noise.png", "accuracy_vs_tile.png"] {
        assert!(std::fs::metadata(out.join(png)).expect(png).len() > 5_000, "{png}");
    }
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn bad_flags_are_one_line() {
    for (args, needle) in [
        (vec!["--tiles", "0"], "--tiles"),
        (vec!["--noise=-1"], "--noise"),
        (vec!["--adc-bits", "0"], "--adc-bits"),
        (vec!["--seeds", "0"], "--seeds"),
    ] {
        let output = dse(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(needle) && stderr.trim().lines().count() == 1, "{args:?}: {stderr}");
    }
}
