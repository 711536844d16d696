//! `burn-neuro nir`: inspecting a fixture nir 1.0.8 wrote lists every node and edge, `copy`
//! writes a file that reads back the same, and a broken file is one clear error line.

use std::path::Path;
use std::process::Command;

fn nir(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro")).arg("nir").args(args).output().expect("runs")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kernels-tests/data/nir").join(name).display().to_string()
}

#[test]
fn inspect_lists_nested_nodes_and_edges() {
    let output = nir(&["inspect", &fixture("rlif.nir")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("  rnn.lif: LIF (r f32[3], tau f32[3]"), "{stdout}");
    assert!(stdout.contains("edges of rnn: ") && stdout.contains("rnn.w_rec → rnn.lif"), "{stdout}");
}

#[test]
fn copy_round_trips_and_errors_are_one_line() {
    let copy = std::env::temp_dir().join(format!("burn-neuro-nir-copy-{}.nir", std::process::id()));
    let output = nir(&["copy", &fixture("snntorch_mlp.nir"), copy.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let (a, b) = (nir(&["inspect", &fixture("snntorch_mlp.nir")]), nir(&["inspect", copy.to_str().expect("utf-8")]));
    assert_eq!(a.stdout, b.stdout, "the copy describes the same graph");
    std::fs::write(&copy, b"not a model").expect("written");
    let output = nir(&["inspect", copy.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("not a readable HDF5 file") && stderr.trim().lines().count() == 1, "{stderr}");
    let _ = std::fs::remove_file(copy);
}
