//! End to end: an MLP of `AnalogLinear` layers trained hardware-aware (noisy crossbar forward,
//! ideal backward, weight-noise modifier) keeps more accuracy on a noisy crossbar than the
//! same model trained on an ideal crossbar.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::relu;
use burn::tensor::{DType, Device, Int, Tensor, TensorData};
use burn_neuro::analog::config::ProgrammingNoise;
use burn_neuro::analog::{AnalogLinear, AnalogLinearConfig, CrossbarConfig};
use kernels_tests::{gpu, tensor, uniform};

const INPUTS: usize = 16;
const CLASSES: usize = 4;

#[derive(Module, Debug)]
struct AnalogMlp {
    fc1: AnalogLinear,
    fc2: AnalogLinear,
}

impl AnalogMlp {
    fn new(crossbar: &CrossbarConfig, weight_noise: f32, device: &Device) -> Self {
        let layer = |i, o| {
            AnalogLinearConfig::new(i, o).with_crossbar(crossbar.clone()).with_training_weight_noise(weight_noise).init(device).expect("valid config")
        };
        AnalogMlp { fc1: layer(INPUTS, 32), fc2: layer(32, CLASSES) }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = relu(self.fc1.try_forward(x).expect("valid shapes"));
        self.fc2.try_forward(h).expect("valid shapes")
    }

    /// The same weights on another crossbar.
    fn on(self, crossbar: &CrossbarConfig) -> Self {
        let move_to = |layer: AnalogLinear| AnalogLinear::from_linear(layer.into_linear(), crossbar.clone(), 0.0).expect("valid config");
        AnalogMlp { fc1: move_to(self.fc1), fc2: move_to(self.fc2) }
    }
}

/// Gaussian clusters around four fixed prototypes (deterministic per seed).
fn batch(size: usize, seed: u64, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let prototypes = uniform(CLASSES * INPUTS, 1, -0.5, 0.5);
    let noise = uniform(size * INPUTS, seed, -1.0, 1.0);
    let labels: Vec<i64> = (0..size).map(|i| ((i as u64 * 7 + seed) % CLASSES as u64) as i64).collect();
    let mut x = vec![0.0; size * INPUTS];
    for (i, &label) in labels.iter().enumerate() {
        for j in 0..INPUTS {
            x[i * INPUTS + j] = prototypes[label as usize * INPUTS + j] + noise[i * INPUTS + j];
        }
    }
    (tensor(x, [size, INPUTS], DType::F32, device), Tensor::from_data(TensorData::new(labels, [size]), device))
}

fn train(mut model: AnalogMlp, device: &Device, steps: usize) -> AnalogMlp {
    let mut optimizer = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    model = model.train();
    for step in 0..steps {
        let (x, y) = batch(64, step as u64 + 10, device);
        let loss = loss_fn.forward(model.forward(x), y);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(5e-3, model, grads);
    }
    model
}

/// Mean test accuracy over 16 chips: the model programmed onto `crossbar` with 16 seeds (an
/// evaluation reads one programmed chip per `valid()` copy).
fn accuracy(model: &AnalogMlp, crossbar: &CrossbarConfig, device: &Device) -> f32 {
    let mut right = 0;
    let mut total = 0;
    for trial in 0..16 {
        let model = model.clone().on(&crossbar.clone().with_seed(crossbar.seed + trial)).valid();
        let (x, y) = batch(256, 1000 + trial, device);
        let predicted = model.forward(x).argmax(1).reshape([256]);
        right += predicted.equal(y).int().sum().into_data().iter::<i64>().next().unwrap_or(0);
        total += 256;
    }
    right as f32 / total as f32
}

#[test]
fn hardware_aware_training_beats_unaware_training_under_noise() {
    let device = gpu();
    let noisy = CrossbarConfig::aihwkit_default().with_programming_noise(ProgrammingNoise::Constant(6.0)).with_output_noise(0.5).with_seed(5);
    device.seed(3);
    let aware = train(AnalogMlp::new(&noisy, 0.2, &device), &device, 120);
    device.seed(3);
    let unaware = train(AnalogMlp::new(&CrossbarConfig::ideal(), 0.0, &device), &device, 120);
    let ideal_accuracy = accuracy(&unaware, &CrossbarConfig::ideal(), &device);
    let aware_accuracy = accuracy(&aware, &noisy, &device);
    let unaware_accuracy = accuracy(&unaware, &noisy, &device);
    println!("unaware on ideal {ideal_accuracy:.3}, on noisy {unaware_accuracy:.3}; aware on noisy {aware_accuracy:.3}");
    assert!(ideal_accuracy > 0.75, "the task is learnable: {ideal_accuracy}");
    assert!(unaware_accuracy < ideal_accuracy - 0.03, "the noise must cost accuracy: {unaware_accuracy} vs {ideal_accuracy}");
    assert!(aware_accuracy > unaware_accuracy + 0.01, "aware {aware_accuracy} vs unaware {unaware_accuracy}");
}
