//! The training loop for event-stream classifiers ([`super::rn_net`]): Adam on cross-entropy,
//! binary frames binned from the streams batch by batch, test accuracy and a confusion matrix
//! after every epoch.

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{DType, Device, Int, Tensor, TensorData};
use burn_neuro::data::events::{EventDataset, FrameValue};
use burn_neuro::data::shuffled;
use serde::Serialize;

use super::rn_net::EventClassifier;
use super::run::{EpochMetrics, Progress};

/// How the event streams become frames, and the optimizer's settings.
#[derive(Debug, Clone, Serialize)]
pub struct EventSettings {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub seed: u64,
    /// Time bins per sample.
    pub bins: usize,
    /// The window every sample is binned over, from its first microsecond.
    pub window_us: i64,
}

/// One model's run.
#[derive(Debug, Clone, Serialize)]
pub struct EventRun {
    pub model: String,
    pub epochs: Vec<EpochMetrics>,
    /// `confusion[true][predicted]` on the test set after the last epoch.
    pub confusion: Vec<Vec<usize>>,
    pub test_accuracy: f64,
    pub parameters: usize,
}

/// Frames `[T, B, 2, H, W]` and labels of the examples at `indices`.
fn batch(data: &EventDataset, indices: &[usize], settings: &EventSettings, device: &Device) -> Result<(Tensor<5>, Tensor<1, Int>), String> {
    let (frames, labels) = data.frames(indices, settings.bins, settings.window_us, FrameValue::Binary).map_err(|e| e.to_string())?;
    // `frames` checked that the requested samples share one sensor size.
    let (height, width) = indices.first().and_then(|&i| data.samples.get(i)).map_or((0, 0), |s| (s.height as usize, s.width as usize));
    let n = indices.len();
    let frames = Tensor::<5>::from_data(TensorData::new(frames, [n, settings.bins, 2, height, width]), (device, DType::F32)).swap_dims(0, 1);
    Ok((frames, Tensor::from_data(TensorData::new(labels, [n]), device)))
}

/// Test accuracy and `confusion[true][predicted]`.
pub fn evaluate<M: EventClassifier>(
    model: &M,
    data: &EventDataset,
    settings: &EventSettings,
    device: &Device,
) -> Result<(f64, Vec<Vec<usize>>), String> {
    let model = model.valid();
    let device = device.clone().without_autodiff();
    let classes = data.classes.len();
    let mut confusion = vec![vec![0usize; classes]; classes];
    let order: Vec<usize> = (0..data.len()).collect();
    for chunk in order.chunks(settings.batch_size) {
        let (frames, labels) = batch(data, chunk, settings, &device)?;
        let predicted = model.logits(frames).argmax(1).reshape([chunk.len()]);
        let predicted: Vec<i64> = predicted.into_data().iter::<i64>().collect();
        let labels: Vec<i64> = labels.into_data().iter::<i64>().collect();
        for (truth, guess) in labels.iter().zip(&predicted) {
            let guess = (*guess as usize).min(classes - 1);
            confusion[*truth as usize][guess] += 1;
        }
    }
    let right: usize = (0..classes).map(|c| confusion[c][c]).sum();
    Ok((right as f64 / data.len().max(1) as f64, confusion))
}

/// Trains `model` on `train`, evaluating on `test` after every epoch.
pub fn train_events<M: EventClassifier>(
    name: &str,
    model: M,
    train: &EventDataset,
    test: &EventDataset,
    settings: &EventSettings,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<EventRun, String> {
    let mut model = model.to_device(device).train();
    let parameters = model.num_params();
    // PyTorch's ε (see `Optimization::adam`).
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut epochs = Vec::with_capacity(settings.epochs);
    let mut global_step = 0;
    let mut confusion = Vec::new();
    for epoch in 0..settings.epochs {
        let started = Instant::now();
        let order = shuffled(train.len(), settings.seed, epoch);
        let batches: Vec<&[usize]> = order.chunks(settings.batch_size).collect();
        progress.epoch_start(epoch, batches.len());
        let (mut right, mut seen, mut batch_losses) = (0usize, 0usize, Vec::with_capacity(batches.len()));
        for indices in batches {
            let (frames, labels) = batch(train, indices, settings, device)?;
            let logits = model.logits(frames);
            let loss = loss_fn.forward(logits.clone(), labels.clone());
            let value = loss.clone().into_data().iter::<f32>().next().unwrap_or(f32::NAN) as f64;
            if !value.is_finite() {
                return Err(format!("{name}: training diverged at epoch {epoch}, step {global_step}: loss {value}"));
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(settings.learning_rate, model, grads);
            let predicted = logits.detach().argmax(1).reshape([indices.len()]);
            right += predicted.equal(labels).int().sum().into_data().iter::<i64>().next().unwrap_or(0) as usize;
            seen += indices.len();
            batch_losses.push(value);
            global_step += 1;
            progress.batch(value, right as f64 / seen as f64);
        }
        let (test_accuracy, matrix) = evaluate(&model, test, settings, device)?;
        confusion = matrix;
        let metrics = EpochMetrics {
            epoch,
            global_step,
            train_loss: batch_losses.iter().sum::<f64>() / batch_losses.len().max(1) as f64,
            train_accuracy: right as f64 / seen.max(1) as f64,
            test_accuracy,
            seconds: started.elapsed().as_secs_f64(),
            batch_losses,
            held_for_backward_bytes: None,
            devices: None,
            learning_rate: settings.learning_rate,
            layers: Vec::new(),
        };
        progress.epoch_end(&metrics);
        epochs.push(metrics);
    }
    let test_accuracy = epochs.last().map_or(0.0, |m| m.test_accuracy);
    Ok(EventRun { model: name.to_string(), epochs, confusion, test_accuracy, parameters })
}
