//! `burn-neuro train --model rn-net`: on the generated gestures RN-Net separates the classes
//! that only time order tells apart and the same CNN on summed frames cannot; DVS128 Gesture in
//! tonic's cache layout is read; flags that do not apply are refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("burn-neuro-rn-net-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn train(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["train", "--model", "rn-net", "--device", "cpu", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("runs")
}

fn success(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "train failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[test]
fn the_reservoir_tells_directions_apart_and_summed_frames_cannot() {
    let out = scratch("gestures");
    success(&train(&out, &["--epochs", "3", "--batch-size", "16", "--train-size", "360", "--test-size", "120"]));
    let record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("rn-net.json")).expect("rn-net.json")).expect("JSON");
    let accuracy = |run: usize| record["runs"][run]["test_accuracy"].as_f64().expect("an accuracy");
    let (rn_net, baseline) = (accuracy(0), accuracy(1));
    // Six classes in three direction pairs: without time order the best is one pair member
    // in two, 50 %.
    assert!(rn_net >= 0.85, "RN-Net test accuracy {rn_net}");
    assert!(baseline <= 0.7, "summed-frame CNN test accuracy {baseline}");
    // The baseline's errors are the direction partner: rows of a pair share their columns.
    let confusion = &record["runs"][1]["confusion"];
    let cell = |t: usize, p: usize| confusion[t][p].as_u64().expect("a count");
    let off_pair: u64 = (0..6).flat_map(|t| (0..6).map(move |p| (t, p))).filter(|(t, p)| t / 2 != p / 2).map(|(t, p)| cell(t, p)).sum();
    assert!(off_pair <= 6, "the baseline confuses more than direction partners: {confusion}");
    for png in ["confusion-rn-net.png", "confusion-summed-frame-cnn.png"] {
        assert!(out.join(png).exists(), "{png}");
    }
    assert!(std::fs::read_to_string(out.join("rn-net.md")).expect("rn-net.md").contains("| 0 bar right |"));
}

/// A `[N, 4]` `<f8` `.npy` with columns x, y, p, t (ms): tonic's DVS128 Gesture files.
fn write_tonic_sample(path: &Path, events: &[[f64; 4]]) {
    let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, 4), }}", events.len());
    let header = format!("{dict:<118}\n");
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for value in events.iter().flatten() {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn dvs_gesture_in_tonic_layout_is_read() {
    let data = scratch("tonic");
    for split in ["ibmGestureTrain", "ibmGestureTest"] {
        for class in 0..11 {
            // A few events moving across the sensor over 100 ms.
            let events: Vec<[f64; 4]> = (0..40).map(|k| [(k * 3 % 128) as f64, (class * 11) as f64, (k % 2) as f64, k as f64 * 2.5]).collect();
            write_tonic_sample(&data.join(split).join("user01_led").join(format!("{class}.npy")), &events);
        }
    }
    let out = scratch("tonic-out");
    let stdout = success(&train(&out, &["--data", data.to_str().expect("utf-8"), "--epochs", "1", "--batch-size", "4"]));
    assert!(stdout.contains("11 train / 11 test event streams, 11 classes, 32×32 pixels"), "{stdout}");

    let bad = scratch("tonic-bad");
    write_tonic_sample(&bad.join("ibmGestureTrain").join("u").join("12.npy"), &[[0.0, 0.0, 1.0, 0.0]]);
    let output = train(&out, &["--data", bad.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("not a class 0–10"), "{stderr}");
}

#[test]
fn flags_that_do_not_apply_are_refused() {
    for (flags, expected) in [(&["--precision", "f16"][..], "--precision f16"), (&["--hidden", "10"], "--hidden"), (&["--steps", "2"], "--steps 2")] {
        let output = train(&scratch("flags"), flags);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(expected), "{flags:?}: {stderr}");
    }
}
