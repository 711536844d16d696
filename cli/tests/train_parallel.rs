//! Data-parallel training: devices that each take a share of every batch end with the
//! parameters one device reaches with the whole batch.
//!
//! The test bed is what every machine here has: lavapipe (Vulkan), llvmpipe (GL) and the CPU
//! path as three devices. Plain SGD makes the comparison sharp: a parameter moves by exactly
//! lr × its gradient, so the parameters can differ only by lr × the gradients' rounding
//! differences (summation order across shares, and GL's kernel variants: no subgroups),
//! which stay far below the tolerance; an update that missed a share, counted one twice or
//! forgot the share scaling moves parameters by lr × O(gradient) instead.

use std::path::PathBuf;

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::SgdConfig;
use burn::tensor::{Device, Tensor};
use burn_neuro::SavedState;
use burn_neuro::adapters::{GraphicsApi, open_device};
use burn_neuro_cli::train::data::synthetic;
use burn_neuro_cli::train::model::SnnMlp;
use burn_neuro_cli::train::run::{EpochMetrics, LossKind, Optimization, Progress, TrainSettings, train_on};

struct Quiet;

impl Progress for Quiet {
    fn epoch_start(&mut self, _: usize, _: usize) {}
    fn batch(&mut self, _: f64, _: f64) {}
    fn epoch_end(&mut self, _: &EpochMetrics) {}
}

struct Values(Vec<f32>);

impl ModuleVisitor for Values {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.extend(param.val().into_data().convert::<f32>().iter::<f32>());
    }
}

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
    let mut values = Values(Vec::new());
    trained.visit(&mut values);
    let _ = std::fs::remove_dir_all(PathBuf::from(&out));
    (values.0, outcome.metrics[0].batch_losses.clone())
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn split_batches_give_the_one_device_parameters() {
    let vulkan = open_device(GraphicsApi::Vulkan).expect("lavapipe (Vulkan)");
    let gl = open_device(GraphicsApi::Gl).expect("llvmpipe (GL)");
    let (one, one_losses) = train_params(std::slice::from_ref(&vulkan), "one");
    // The untrained parameters: how far one epoch moves them.
    vulkan.seed(5);
    let mut start = Values(Vec::new());
    SnnMlp::new(784, 40, 10, &vulkan).visit(&mut start);
    let moved = max_difference(&one, &start.0);
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
