//! Our ops on a remote device over loopback: `burn-neuro serve` on 127.0.0.1, a client that
//! trains a Linear + Leaky network there (forward, surrogate backward and the optimizer all
//! through the wire) and gets the parameters of the same run on a local device of the kind the
//! server hosts; and `train --device remote:ws://…` end to end.
#![cfg(feature = "remote")]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use burn::module::Module;
use burn::tensor::Device;
use burn_neuro::SavedState;
use burn_neuro::adapters::{GraphicsApi, open_device};
use burn_neuro_cli::train::data::synthetic;
use burn_neuro_cli::train::model::SnnMlp;
use burn_neuro_cli::train::run::{LossKind, Optimization, TrainSettings, train};
use support::{Quiet, max_difference, parameters};

/// A `burn-neuro serve` process, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Serves `device` (as `--device` takes it) on a free loopback port.
    fn start(device: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
            .args(["serve", "--port", "0", "--backend", "vulkan", "--device", device])
            .env_remove("BURN_NEURO_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("serve prints its address");
        let url = line.split_whitespace().find(|w| w.starts_with("ws://")).unwrap_or_else(|| panic!("no address in {line:?}")).to_string();
        assert!(url.starts_with("ws://127.0.0.1:"), "{line}");
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Three Adam steps (batches of 32, T = 8, f32) of a 784-32-10 Linear + Leaky network; every
/// parameter after them, and the losses.
fn train_params(device: &Device, name: &str, saved_state: SavedState) -> (Vec<f32>, Vec<f64>) {
    let out = std::env::temp_dir().join(format!("burn-neuro-remote-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let data = synthetic::digits(96, 9);
    let settings = TrainSettings {
        model: "mlp".into(),
        precision: "F32".into(),
        epochs: 1,
        seed: 4,
        batch_size: 32,
        learning_rate: 2e-3,
        steps: 8,
        saved_state,
        loss: LossKind::MembraneCe,
        cosine_t_max: None,
        grad_clip: None,
        weight_clip: None,
    };
    // The same initial weights on both sides: drawn on the CPU (reading them makes Burn's lazy
    // initialisation happen there, not on the device they move to), then moved.
    Device::flex().seed(8);
    let model = SnnMlp::new(data.pixels(), 32, 10, &Device::flex());
    parameters(&model);
    let model = model.to_device(device);
    let outcome =
        train(model, &data, &data, &settings, device, &out, false, &mut Quiet, Optimization::adam()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let trained = SnnMlp::new(data.pixels(), 32, 10, &Device::flex()).try_load_file(out.join("checkpoint/model.bpk")).expect("checkpoint loads");

    // Read before the folder goes: the checkpoint's tensors load from the file lazily.
    let values = parameters(&trained);
    let _ = std::fs::remove_dir_all(&out);
    (values, outcome.metrics[0].batch_losses.clone())
}

#[test]
fn training_on_a_served_device_equals_the_local_run() {
    for (served, local, name) in [("gpu", open_device(GraphicsApi::Vulkan).expect("lavapipe"), "gpu"), ("cpu", Device::flex(), "cpu")] {
        let server = Server::start(served);
        let remote = burn_neuro::remote::connect(&server.url, None).expect("connects");
        for saved_state in [SavedState::Full, SavedState::Compact] {
            let (here, here_losses) = train_params(&local, &format!("{name}-local"), saved_state);
            let (there, there_losses) = train_params(&remote, &format!("{name}-remote"), saved_state);
            let difference = max_difference(&here, &there);
            println!("{name} {saved_state:?}: max |Δθ| {difference:e}; losses {there_losses:?} vs {here_losses:?}");
            assert!(difference <= 1e-5, "{name} {saved_state:?}: the remote run's parameters differ by {difference}");
            for (a, b) in there_losses.iter().zip(&here_losses) {
                assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{name}: batch loss {a} remote vs {b} local");
            }
        }
    }
}

#[test]
fn train_command_runs_on_a_remote_device() {
    let server = Server::start("cpu");
    let out = std::env::temp_dir().join(format!("burn-neuro-remote-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let output = Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
        .args(["train", "--train-size", "128", "--test-size", "64", "--batch-size", "64", "--steps", "6", "--hidden", "32", "--out"])
        .arg(&out)
        .args(["--device", &format!("remote:{}", server.url)])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("test accuracy"), "{stdout}");
    assert!(out.join("metrics.json").exists());
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn unreachable_and_malformed_remote_devices_are_one_clear_line() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for (device, expected) in
        [(format!("remote:ws://127.0.0.1:{port}"), "remote device ws://127.0.0.1"), ("remote:127.0.0.1:3000".into(), "expected a websocket address")]
    {
        let output = Command::new(env!("CARGO_BIN_EXE_burn-neuro")).args(["train", "--epochs", "1", "--device", &device]).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success());
        assert!(stderr.contains(expected) && stderr.contains("--device"), "{device}: {stderr}");
        assert!(!stderr.contains("panicked"), "{device}: {stderr}");
    }
}
