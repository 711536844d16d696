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

/// `nir run` on snnTorch's recurrent fixture with the input its script saved: the output file
/// holds the spikes snnTorch computed, the traces every neuron's planes, and a raster is drawn.
#[test]
fn run_writes_the_outputs_the_exporter_computed() {
    use burn_neuro::data::npy::{read_array, read_array_npz};

    let out = std::env::temp_dir().join(format!("burn-neuro-nir-run-{}", std::process::id()));
    let expected = fixture("snntorch_rleaky.npz");
    let output = nir(&["run", &fixture("snntorch_rleaky.nir"), "--input", &expected, "--device", "cpu", "--out", out.to_str().expect("utf-8")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("1.lif: 3 neurons, spike rate"), "{stdout}");
    let saved: std::collections::BTreeMap<String, _> = read_array_npz(Path::new(&expected)).expect("fixture").into_iter().collect();
    let ours = read_array(&out.join("output.npy")).expect("output.npy");
    assert_eq!(ours.shape, [25, 2, 3]);
    assert_eq!(ours.values, saved["output"].values, "snnTorch's spikes");
    let traces: std::collections::BTreeMap<String, _> = read_array_npz(&out.join("traces.npz")).expect("traces").into_iter().collect();
    let keys: Vec<&String> = traces.keys().collect();
    assert_eq!(keys, ["1.lif.membrane", "1.lif.spikes"], "{keys:?}");
    assert!(std::fs::metadata(out.join("raster.png")).expect("a raster").len() > 1000);

    // An input of the wrong shape is one clear line.
    let bad = out.join("bad.npy");
    burn_neuro::data::npy::write_array(&bad, &burn_neuro::data::npy::Array::new(vec![5, 2, 7], vec![0.0; 70]).expect("shape")).expect("written");
    let output = nir(&[
        "run",
        &fixture("snntorch_rleaky.nir"),
        "--input",
        bad.to_str().expect("utf-8"),
        "--device",
        "cpu",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("--input: shape [5, 2, 7]; expected [T, batch, 4]"), "{stderr}");
    let _ = std::fs::remove_dir_all(out);
}
