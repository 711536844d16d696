//! `burn-neuro sidechannel`: a small study writes its JSON, Markdown and image grid, the
//! uniform-conductance check holds, and bad flags are one clear line.

use std::process::Command;

fn sidechannel(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro")).arg("sidechannel").args(args).output().expect("runs")
}

#[test]
fn a_small_study_writes_its_report() {
    let out = std::env::temp_dir().join(format!("burn-neuro-sidechannel-{}", std::process::id()));
    let output = sidechannel(&[
        "--data",
        "phantoms",
        "--train",
        "48",
        "--test",
        "8",
        "--epochs",
        "1",
        "--noise",
        "0,0.2",
        "--countermeasures",
        "constant",
        "--device",
        "cpu",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("sidechannel.json")).expect("json")).expect("valid json");
    assert_eq!(json["points"].as_array().map(Vec::len), Some(4), "2 countermeasures × 2 noise levels");
    let r = json["uniform_correlation"].as_f64().expect("a correlation");
    assert!(r > 0.99, "uniform conductances leak the box-filtered input: {r}");
    let md = std::fs::read_to_string(out.join("sidechannel.md")).expect("markdown");
    assert!(md.contains("| constant power | 0.2 |") && md.contains("At ρ = 0.2"), "{md}");
    assert!(std::fs::metadata(out.join("reconstructions.png")).expect("a grid").len() > 10_000);
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn bad_flags_are_one_line() {
    for (args, needle) in [
        (vec!["--noise=-0.1"], "--noise: -0.1"),
        (vec!["--countermeasures", "magic"], "unknown \"magic\""),
        (vec!["--data", "mnist"], "--mnist DIR"),
        (vec!["--crossbar", "pcm"], "--crossbar"),
    ] {
        let output = sidechannel(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(needle) && stderr.trim().lines().count() == 1, "{args:?}: {stderr}");
    }
}
