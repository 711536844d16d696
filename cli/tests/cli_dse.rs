//! `burn-neuro dse`: a small exploration writes its report, maps the depthwise layers
//! block-diagonally with the utilisation and ADC trends the mapper computes, and bad flags are
//! one clear line.

use std::process::Command;

fn dse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro")).arg("dse").args(args).output().expect("runs")
}

/// A one-epoch, one-seed exploration on the CPU path with `train`/`test` examples, `tiles` and
/// `values`, then `extra` flags.
fn small_dse(train: &str, test: &str, tiles: &str, values: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--train", train, "--test", test, "--epochs", "1", "--tiles", tiles, "--values", values, "--seeds", "1", "--device", "cpu"];
    args.extend_from_slice(extra);
    dse(&args)
}

#[test]
fn a_small_exploration_writes_its_report() {
    let out = std::env::temp_dir().join(format!("burn-neuro-dse-{}", std::process::id()));
    let output = small_dse("256", "50", "32,256x64", "0,2", &["--out", out.to_str().expect("utf-8")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("dse.json")).expect("json")).expect("valid json");
    assert_eq!(
        json["accuracy"].as_array().map(Vec::len),
        Some(3 * 2 * 2),
        "dense, separable block-diagonal and time-multiplexed × 2 tiles × 2 values"
    );
    let rows = json["mapping"].as_array().expect("mapping rows");
    // Dense: 4 layers per tile size; separable: 6, its 2 depthwise layers also time-multiplexed
    // and duplicated.
    assert_eq!(rows.len(), 2 * 4 + 2 * (6 + 2 * 2));
    let multiplexed = rows.iter().find(|r| r["stats"]["mapping"] == "TimeMultiplexed").expect("a time-multiplexed layout");
    let diagonal =
        rows.iter().find(|r| r["stats"]["mapping"] == "BlockDiagonal" && r["stats"]["layer"] == multiplexed["stats"]["layer"]).expect("its diagonal");
    assert!(multiplexed["stats"]["reads"].as_u64() > diagonal["stats"]["reads"].as_u64(), "time multiplexing takes more reads");
    let depthwise: Vec<&serde_json::Value> = rows.iter().filter(|r| r["stats"]["mapping"] == "BlockDiagonal").collect();
    assert_eq!(depthwise.len(), 4, "two depthwise layers at two tile sizes");
    let md = std::fs::read_to_string(out.join("dse.md")).expect("markdown");
    assert!(md.contains("fewer partial sums") && md.contains("more cells wasted"), "{md}");
    assert_eq!(json["accuracy"][1]["value"].as_f64(), Some(2.0));
    assert_eq!(json["accuracy"][2]["tile"], serde_json::json!([256, 64]), "a rectangular tile");
    assert_eq!(json["accuracy"][5]["depthwise"], "TimeMultiplexed", "the separable network read both ways");
    assert_eq!(json["accuracy"][1]["value"].as_f64(), Some(2.0));
    assert_eq!(json["accuracy"][2]["tile"], serde_json::json!([256, 64]), "a rectangular tile");
    assert_eq!(json["accuracy"][5]["depthwise"], "TimeMultiplexed", "the separable network read both ways");
    for png in ["accuracy_vs_setting.png", "accuracy_vs_tile.png", "accuracy_vs_energy.png"] {
        assert!(std::fs::metadata(out.join(png)).expect(png).len() > 5_000, "{png}");
    }
    // The saved networks explored again without training: the same digital accuracies.
    let again = out.join("again");
    let output = small_dse("256", "50", "64", "0", &["--checkpoint", out.to_str().expect("utf-8"), "--out", again.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let reloaded: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(again.join("dse.json")).expect("json")).expect("valid json");
    assert_eq!(reloaded["digital"], json["digital"], "the checkpoints hold the trained networks");
    let output = dse(&["--checkpoint", "/nonexistent-folder", "--device", "cpu", "--out", again.to_str().expect("utf-8")]);
    assert!(!output.status.success() && String::from_utf8_lossy(&output.stderr).contains("checkpoint /nonexistent-folder"));
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn bad_flags_are_one_line() {
    for (args, needle) in [
        (vec!["--tiles", "0"], "--tiles"),
        (vec!["--values=-1"], "--values"),
        (vec!["--adc-bits", "0"], "--adc-bits"),
        (vec!["--seeds", "0"], "--seeds"),
        (vec!["--vary", "adc-bits", "--values", "4.5"], "whole number"),
        (vec!["--tiles", "3x4x5"], "--tiles"),
    ] {
        let output = dse(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(needle) && stderr.trim().lines().count() == 1, "{args:?}: {stderr}");
    }
}

/// CIFAR-10's binary batches (a small set the test writes): both networks take 3×32×32 inputs.
#[test]
fn cifar_batches_run_through_the_exploration() {
    use burn_neuro::data::cifar::encode_batch;

    let dir = std::env::temp_dir().join(format!("burn-neuro-dse-cifar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let record = |i: usize| -> Vec<u8> { (0..3072).map(|p| ((p * 13 + i * 101) % 256) as u8).collect() };
    let labels: Vec<u8> = (0..40).map(|i| (i % 10) as u8).collect();
    let pixels: Vec<u8> = (0..40).flat_map(record).collect();
    std::fs::write(dir.join("data_batch_1.bin"), encode_batch(&labels[..32], &pixels[..32 * 3072])).expect("written");
    std::fs::write(dir.join("test_batch.bin"), encode_batch(&labels[32..], &pixels[32 * 3072..])).expect("written");
    let out = dir.join("out");
    let output = small_dse("32", "8", "64", "0", &["--cifar", dir.to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let md = std::fs::read_to_string(out.join("dse.md")).expect("markdown");
    assert!(md.contains("conv1 (3→8, 3×3)") && md.contains("fc (2048→10)"), "{md}");
    let _ = std::fs::remove_dir_all(dir);
}

/// `train --model separable-cnn` trains the exploration's network through the shared loop, and
/// `dse --separable` explores that checkpoint (training only the dense one).
#[test]
fn a_network_trained_by_train_is_explored() {
    let out = std::env::temp_dir().join(format!("burn-neuro-dse-train-{}", std::process::id()));
    let trained = out.join("trained");
    let output = Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["train", "--model", "separable-cnn", "--train-size", "256", "--test-size", "64", "--epochs", "1", "--device", "cpu", "--out"])
        .arg(&trained)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let checkpoint = trained.join("checkpoint").join("model.bpk");
    assert!(checkpoint.exists(), "train wrote {}", checkpoint.display());
    let explored = out.join("dse");
    let output = small_dse("128", "32", "64", "0", &["--separable", checkpoint.to_str().expect("utf-8"), "--out", explored.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let wrong = dse(&[
        "--dense",
        checkpoint.to_str().expect("utf-8"),
        "--train",
        "64",
        "--test",
        "16",
        "--device",
        "cpu",
        "--out",
        explored.to_str().expect("utf-8"),
    ]);
    assert!(
        !wrong.status.success() && String::from_utf8_lossy(&wrong.stderr).contains("another network"),
        "a separable checkpoint is not a dense one"
    );
    let _ = std::fs::remove_dir_all(out);
}
