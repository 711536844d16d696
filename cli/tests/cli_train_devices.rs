//! `train --devices` and `bench parallel` from the command line: a data-parallel run on
//! lavapipe + llvmpipe (GL has no f16, so f32 is chosen and said), the step-time record, and
//! the refusals as one clear line each.

use std::path::PathBuf;
use std::process::{Command, Output};

fn burn_neuro(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro")).args(args).output().expect("runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("burn-neuro-devices-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The adapter index of the first adapter of `api` in `burn-neuro info`'s table.
fn adapter(api: &str) -> String {
    let info = String::from_utf8_lossy(&burn_neuro(&["info"]).stdout).to_string();
    info.lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let index = fields.first()?.parse::<usize>().ok()?;
            line.contains(&format!(" {api} ")).then(|| index.to_string())
        })
        .unwrap_or_else(|| panic!("no {api} adapter in:\n{info}"))
}

#[test]
fn data_parallel_run_on_vulkan_and_gl_learns_in_f32() {
    let out = scratch("train");
    let devices = format!("{},{}", adapter("Vulkan"), adapter("Gl"));
    let output = burn_neuro(&[
        "train",
        "--devices",
        &devices,
        "--train-size",
        "384",
        "--test-size",
        "128",
        "--batch-size",
        "64",
        "--steps",
        "8",
        "--lr",
        "2e-3",
        "--epochs",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("data-parallel on 2 devices"), "{stdout}");
    assert!(stdout.contains("precision: f32, since a device of --devices lacks f16"), "{stdout}");
    let text = std::fs::read_to_string(out.join("metrics.json")).expect("metrics written");
    let metrics: Vec<burn_neuro_cli::train::run::EpochMetrics> = serde_json::from_str(&text).expect("metrics parse");
    assert_eq!(metrics.len(), 2);
    assert!(metrics[1].train_loss < metrics[0].batch_losses[0], "the loss fell: {metrics:?}");
    assert!(metrics[1].test_accuracy > 0.3, "it learns: {:?}", metrics[1].test_accuracy);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bench_parallel_writes_a_record() {
    let out = scratch("bench");
    let output = burn_neuro(&[
        "bench",
        "parallel",
        "--quick",
        "--devices",
        &format!("cpu,{}", adapter("Vulkan")),
        "--samples",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("Speed-up of 2 devices over one"), "{stdout}");
    let record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("bench-parallel.json")).expect("record")).expect("json");
    assert_eq!(record["all_devices"]["devices"].as_array().map(Vec::len), Some(2));
    assert!(record["speedup"].as_f64().is_some_and(|s| s > 0.0));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn device_list_errors_are_one_clear_line() {
    let gl = adapter("Gl");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--devices".into(), "cpu,cpu".into()], "names a device already listed"),
        (vec!["--devices".into(), "cpu,auto".into()], "not auto"),
        (vec!["--devices".into(), "cpu,99".into()], "--devices 99"),
        (vec!["--devices".into(), format!("cpu,{gl}"), "--precision".into(), "f16".into()], "lacks SHADER_F16"),
        (vec!["--devices".into(), format!("cpu,{gl}"), "--model".into(), "lenet".into()], "data-parallel training covers"),
        (vec!["--strategy".into(), "ddp".into()], "only on CUDA"),
    ];
    for (args, expected) in cases {
        let mut all = vec!["train".to_string(), "--train-size".into(), "64".into(), "--test-size".into(), "64".into()];
        all.extend(args.iter().cloned());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let output = burn_neuro(&all);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let output = burn_neuro(&["bench", "parallel", "--devices", "cpu"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least two devices"));
}
