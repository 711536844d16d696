//! Data-parallel training: devices that each take a share of every batch end with the
//! parameters one device reaches with the whole batch.
//!
//! The test bed is what every machine here has: lavapipe (Vulkan), llvmpipe (GL) and the CPU
//! path as three devices. Plain SGD makes the comparison sharp: a parameter moves by exactly
//! lr × its gradient, so the parameters can differ only by lr × the gradients' rounding
//! differences (summation order across shares, and GL's kernel variants: no subgroups),
//! which stay far below the tolerance; an update that missed a share, counted one twice or
//! forgot the share scaling moves parameters by lr × O(gradient) instead.

mod support;

use burn::module::Module;
use burn::optim::SgdConfig;
use burn::tensor::Device;
use burn_neuro::SavedState;
use burn_neuro::adapters::{GraphicsApi, open_device};
use burn_neuro_cli::train::data::synthetic;
use burn_neuro_cli::train::model::SnnMlp;
use burn_neuro_cli::train::run::{LossKind, Optimization, TrainSettings, train_on};
use support::{Quiet, max_difference, parameters};

const LEARNING_RATE: f64 = 0.05;

/// One epoch of three 48-example batches (the last split 16/16 or 24/24), T = 8, f32, SGD;
/// returns every parameter after it and the per-batch losses.
fn train_params(devices: &[Device], name: &str) -> (Vec<f32>, Vec<f64>) {
    let out = std::env::temp_dir().join(format!("burn-neuro-parallel-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let data = synthetic::digits(144, 3);
    let settings = TrainSettings {
        model: "mlp".into(),
        precision: "F32".into(),
        epochs: 1,
        seed: 11,
        batch_size: 48,
        learning_rate: LEARNING_RATE,
        steps: 8,
        saved_state: SavedState::Full,
        loss: LossKind::MembraneCe,
        cosine_t_max: None,
        grad_clip: None,
        weight_clip: None,
    };
    devices[0].seed(5);
    let model = SnnMlp::new(data.pixels(), 40, 10, &devices[0]);
    let sgd = |_: &SnnMlp| SgdConfig::new().init();
    let outcome = train_on(model, &data, &data, &settings, devices, &out, false, &mut Quiet, Optimization { build: &sgd, on_chip: None })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let trained = SnnMlp::new(data.pixels(), 40, 10, &devices[0]).try_load_file(out.join("checkpoint/model.bpk")).expect("checkpoint loads");

    // Read before the folder goes: the checkpoint's tensors load from the file lazily.
    let values = parameters(&trained);
    let _ = std::fs::remove_dir_all(&out);
    (values, outcome.metrics[0].batch_losses.clone())
}

#[test]
fn split_batches_give_the_one_device_parameters() {
    let vulkan = open_device(GraphicsApi::Vulkan).expect("lavapipe (Vulkan)");
    let gl = open_device(GraphicsApi::Gl).expect("llvmpipe (GL)");
    let (one, one_losses) = train_params(std::slice::from_ref(&vulkan), "one");
    // The untrained parameters: how far one epoch moves them.
    vulkan.seed(5);
    let moved = max_difference(&one, &parameters(&SnnMlp::new(784, 40, 10, &vulkan)));
    assert!(moved > 1e-3, "one epoch barely moved the parameters ({moved}): the comparison would prove nothing");

    for (name, devices) in [("vulkan+gl", vec![vulkan.clone(), gl.clone()]), ("vulkan+cpu", vec![vulkan.clone(), Device::flex()])] {
        let (several, losses) = train_params(&devices, name);
        let difference = max_difference(&one, &several);
        println!("{name}: max |Δθ| {difference:e} (one epoch moved parameters up to {moved:e}); losses {losses:?} vs {one_losses:?}");
        assert!(difference < 1e-4, "{name}: parameters differ by {difference} from the one-device run");
        for (a, b) in losses.iter().zip(&one_losses) {
            assert!((a - b).abs() < 1e-4 * b.abs().max(1.0), "{name}: batch loss {a} vs {b}");
        }
    }
}
