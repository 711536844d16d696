//! The training loop: Adam on the summed per-step cross-entropy of the output membrane
//! (snnTorch tutorial 5), accuracy from summed output spikes, per-epoch metrics, charts and
//! resumable checkpoints.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{DType, Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::data::{Dataset, shuffled};
use super::model::SpikingClassifier;
use super::on_chip::{DeviceEpoch, DeviceTracker};
use crate::chart::{Series, line_chart};
use burn_neuro::analog::OnChipOptimizer;
use burn_neuro::neuron::SavedState;

/// What one training run does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSettings {
    /// `mlp` or `cnn` (recorded to refuse resuming with another model).
    pub model: String,
    /// Compute dtype: `F16` or `F32`.
    pub precision: String,
    pub epochs: usize,
    pub seed: u64,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub steps: usize,
    /// What the neuron layers keep for BPTT (`Compact`: memory-light).
    #[serde(default)]
    pub saved_state: SavedState,
}

impl TrainSettings {
    pub fn dtype(&self) -> DType {
        if self.precision == "F16" { DType::F16 } else { DType::F32 }
    }
}

/// Metrics of one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    /// Optimizer steps taken so far (over all epochs).
    pub global_step: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub test_accuracy: f64,
    pub seconds: f64,
    /// Loss of every batch of this epoch.
    pub batch_losses: Vec<f64>,
    /// Device memory the first batch's forward pass (loss included) held for its backward;
    /// `None` where the backend does not report memory.
    #[serde(default)]
    pub held_for_backward_bytes: Option<u64>,
    /// On-chip training: device writes against weight updates.
    #[serde(default)]
    pub devices: Option<DeviceEpoch>,
}

/// What a checkpoint folder records besides the model and optimizer files.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CheckpointState {
    settings: TrainSettings,
    metrics: Vec<EpochMetrics>,
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    pub metrics: Vec<EpochMetrics>,
    pub test_accuracy: f64,
    /// Training time of the epochs this run executed (resumed epochs excluded).
    pub seconds: f64,
}

/// How the parameters are optimized.
pub struct Optimization<'a, M> {
    /// Builds the optimizer for the model as training starts (after a resume, the loaded one).
    pub build: &'a dyn Fn(&M) -> ModuleOptimizer,
    /// The on-chip optimizer inside it, if any: its devices are reported per epoch.
    pub on_chip: Option<OnChipOptimizer>,
}

impl<M> Optimization<'_, M> {
    /// Adam with Burn's defaults on every parameter.
    pub fn adam() -> Self {
        Optimization { build: &|_| AdamConfig::new().init(), on_chip: None }
    }
}

/// Progress callbacks (a progress bar in the CLI).
pub trait Progress {
    fn epoch_start(&mut self, epoch: usize, batches: usize);
    fn batch(&mut self, loss: f64, accuracy: f64);
    fn epoch_end(&mut self, metrics: &EpochMetrics);
}

fn batch_tensors(data: &Dataset, indices: &[usize], device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let (images, labels) = data.gather(indices);
    let images = Tensor::from_data(TensorData::new(images, [indices.len(), data.pixels()]), (device, DType::F32));
    let labels = Tensor::from_data(TensorData::new(labels, [indices.len()]), device);
    (images, labels)
}

/// Correct predictions: argmax of the output spike counts (ties to the lowest class).
fn correct(spikes: Tensor<3>, labels: Tensor<1, Int>) -> usize {
    let [_, batch, classes] = spikes.dims();
    let counts = spikes.cast(DType::F32).sum_dim(0).reshape([batch, classes]);
    let predicted = counts.argmax(1).reshape([batch]);
    predicted.equal(labels).int().sum().into_data().iter::<i64>().next().unwrap_or(0) as usize
}

/// Test-set accuracy.
pub fn evaluate<M: SpikingClassifier>(model: &M, data: &Dataset, settings: &TrainSettings, device: &Device) -> f64 {
    let model = model.valid();
    let mut right = 0;
    let order: Vec<usize> = (0..data.len()).collect();
    for chunk in order.chunks(settings.batch_size) {
        let (images, labels) = batch_tensors(data, chunk, device);
        right += correct(model.forward(images, settings.steps, settings.dtype()).spikes, labels);
    }
    right as f64 / data.len().max(1) as f64
}

/// Trains `model` (freshly initialised with `settings.seed`), resuming from `out/checkpoint`
/// when `resume` and one exists. Writes metrics, charts and a checkpoint per epoch into `out`.
pub fn train<M: SpikingClassifier>(
    model: M,
    train_set: &Dataset,
    test_set: &Dataset,
    settings: &TrainSettings,
    device: &Device,
    out: &Path,
    resume: bool,
    progress: &mut dyn Progress,
    optimization: Optimization<'_, M>,
) -> Result<TrainOutcome, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let checkpoint = out.join("checkpoint");
    let mut metrics: Vec<EpochMetrics> = Vec::new();
    let mut model = model;
    if resume {
        let state = read_state(&checkpoint)?;
        check_resumable(&state.settings, settings, &checkpoint)?;
        model =
            model.try_load_file(checkpoint.join("model.bpk")).map_err(|e| format!("--resume: {}: {e}", checkpoint.join("model.bpk").display()))?;
        metrics = state.metrics;
    }
    let mut optimizer = (optimization.build)(&model);
    if resume {
        optimizer =
            optimizer.load(checkpoint.join("optimizer.bpk")).map_err(|e| format!("--resume: {}: {e}", checkpoint.join("optimizer.bpk").display()))?;
    }
    let mut tracker = optimization.on_chip.map(DeviceTracker::new);
    let mut model = model.with_saved_state(settings.saved_state).to_device(device).train();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let steps = settings.steps;
    let started = Instant::now();
    let mut global_step = metrics.last().map_or(0, |m| m.global_step);

    for epoch in metrics.len()..settings.epochs {
        let epoch_start = Instant::now();
        let order = shuffled(train_set.len(), settings.seed, epoch);
        let batches: Vec<&[usize]> = order.chunks(settings.batch_size).collect();
        progress.epoch_start(epoch, batches.len());
        let (mut loss_sum, mut right, mut seen) = (0.0, 0usize, 0usize);
        let mut batch_losses = Vec::with_capacity(batches.len());
        let mut held_for_backward_bytes = None;
        for (index, indices) in batches.into_iter().enumerate() {
            let (images, labels) = batch_tensors(train_set, indices, device);
            let batch = indices.len();
            // Measured once per epoch: each reading waits for the device.
            let before = if index == 0 { burn_neuro::device::bytes_in_use(device) } else { None };
            let out = model.forward(images, steps, settings.dtype());
            // Σ_t CE(U[t], y): the mean over the T·B stacked steps times T.
            let classes = out.spikes.dims()[2];
            let logits = out.membrane.reshape([steps * batch, classes]).cast(DType::F32);
            let targets = labels.clone().unsqueeze_dim::<2>(0).repeat_dim(0, steps).reshape([steps * batch]);
            let loss = loss_fn.forward(logits, targets) * steps as f32;
            if let Some(before) = before {
                held_for_backward_bytes = burn_neuro::device::bytes_in_use(device).map(|after| after.saturating_sub(before));
            }
            let value = loss.clone().into_data().iter::<f32>().next().unwrap_or(f32::NAN) as f64;
            if !value.is_finite() {
                return Err(format!("training diverged at epoch {epoch}, step {global_step}: loss {value}"));
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(settings.learning_rate, model, grads);
            right += correct(out.spikes.detach(), labels);
            seen += batch;
            loss_sum += value;
            batch_losses.push(value);
            global_step += 1;
            progress.batch(value, right as f64 / seen as f64);
        }
        let test_accuracy = evaluate(&model, test_set, settings, device);
        let devices = match tracker.as_mut() {
            Some(tracker) => {
                let previous = metrics.last().and_then(|m| m.devices.as_ref());
                let devices = tracker.epoch(batch_losses.len(), previous, epoch == 0);
                if devices.devices == 0 {
                    return Err("on-chip training: the on-chip optimizer matched no parameter of the model".into());
                }
                tracker.histogram(out, epoch)?;
                Some(devices)
            }
            None => None,
        };
        let epoch_metrics = EpochMetrics {
            epoch,
            global_step,
            train_loss: loss_sum / batch_losses.len().max(1) as f64,
            train_accuracy: right as f64 / seen.max(1) as f64,
            test_accuracy,
            seconds: epoch_start.elapsed().as_secs_f64(),
            batch_losses,
            held_for_backward_bytes,
            devices,
        };
        progress.epoch_end(&epoch_metrics);
        metrics.push(epoch_metrics);
        save_checkpoint(&checkpoint, &model, &optimizer, settings, &metrics)?;
        write_reports(out, &metrics)?;
    }
    let test_accuracy = match metrics.last() {
        Some(last) => last.test_accuracy,
        None => evaluate(&model, test_set, settings, device),
    };
    Ok(TrainOutcome { metrics, test_accuracy, seconds: started.elapsed().as_secs_f64() })
}

fn check_resumable(saved: &TrainSettings, settings: &TrainSettings, checkpoint: &Path) -> Result<(), String> {
    if saved.model != settings.model
        || saved.precision != settings.precision
        || saved.seed != settings.seed
        || saved.batch_size != settings.batch_size
    {
        return Err(format!(
            "--resume: {} was written by a different run ({} {} seed {} batch {})",
            checkpoint.display(),
            saved.model,
            saved.precision,
            saved.seed,
            saved.batch_size
        ));
    }
    Ok(())
}

fn read_state(checkpoint: &Path) -> Result<CheckpointState, String> {
    let path = checkpoint.join("state.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("--resume: {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("--resume: {}: {e}", path.display()))
}

fn save_checkpoint<M: Module>(
    checkpoint: &Path,
    model: &M,
    optimizer: &burn::optim::ModuleOptimizer,
    settings: &TrainSettings,
    metrics: &[EpochMetrics],
) -> Result<(), String> {
    std::fs::create_dir_all(checkpoint).map_err(|e| format!("{}: {e}", checkpoint.display()))?;
    model.clone().save_file(checkpoint.join("model.bpk")).map_err(|e| format!("saving the model: {e}"))?;
    optimizer.save(checkpoint.join("optimizer.bpk")).map_err(|e| format!("saving the optimizer: {e}"))?;
    let state = CheckpointState { settings: settings.clone(), metrics: metrics.to_vec() };
    let text = serde_json::to_string_pretty(&state).map_err(|e| e.to_string())?;
    std::fs::write(checkpoint.join("state.json"), text).map_err(|e| format!("{}: {e}", checkpoint.display()))
}

/// `metrics.csv`, `metrics.json`, `loss.png` (per batch) and `accuracy.png` (per epoch).
pub fn write_reports(out: &Path, metrics: &[EpochMetrics]) -> Result<Vec<PathBuf>, String> {
    let write = |name: &str, text: String| {
        let path = out.join(name);
        std::fs::write(&path, text).map(|_| path.clone()).map_err(|e| format!("{}: {e}", path.display()))
    };
    let mut csv = String::from(
        "epoch,global_step,train_loss,train_accuracy,test_accuracy,seconds,held_for_backward_bytes,weight_updates,device_writes,device_pulses,share_written\n",
    );
    for m in metrics {
        let held = m.held_for_backward_bytes.map_or(String::new(), |b| b.to_string());
        let devices = m.devices.as_ref().map_or(",,,".into(), |d| {
            format!("{},{},{},{}", d.weight_updates, d.writes, d.pulses, d.share_written.map_or(String::new(), |s| format!("{s:.6}")))
        });
        csv.push_str(&format!(
            "{},{},{:.6},{:.6},{:.6},{:.3},{held},{devices}\n",
            m.epoch, m.global_step, m.train_loss, m.train_accuracy, m.test_accuracy, m.seconds
        ));
    }
    let mut paths = vec![write("metrics.csv", csv)?];
    paths.push(write("metrics.json", serde_json::to_string_pretty(metrics).map_err(|e| e.to_string())?)?);

    let mut step = 0.0;
    let losses: Vec<(f64, f64)> = metrics
        .iter()
        .flat_map(|m| m.batch_losses.iter().copied())
        .map(|l| {
            step += 1.0;
            (step, l)
        })
        .collect();
    let loss_path = out.join("loss.png");
    line_chart(
        &loss_path,
        "Training loss",
        "optimizer step",
        "loss (sum of per-step CE)",
        &[Series { name: "train loss".into(), points: losses }],
        false,
    )?;
    let accuracy_path = out.join("accuracy.png");
    let per_epoch = |f: fn(&EpochMetrics) -> f64| metrics.iter().map(|m| ((m.epoch + 1) as f64, 100.0 * f(m))).collect::<Vec<_>>();
    line_chart(
        &accuracy_path,
        "Accuracy",
        "epoch",
        "accuracy (%)",
        &[
            Series { name: "train".into(), points: per_epoch(|m| m.train_accuracy) },
            Series { name: "test".into(), points: per_epoch(|m| m.test_accuracy) },
        ],
        false,
    )?;
    paths.push(loss_path);
    paths.push(accuracy_path);
    if metrics.iter().any(|m| m.devices.is_some()) {
        let percent = |f: fn(&DeviceEpoch) -> Option<f64>| {
            metrics.iter().filter_map(|m| m.devices.as_ref().and_then(f).map(|v| ((m.epoch + 1) as f64, 100.0 * v))).collect::<Vec<_>>()
        };
        let writes_path = out.join("device-writes.png");
        line_chart(
            &writes_path,
            "Device writes per epoch",
            "epoch",
            "%",
            &[
                Series { name: "writes per weight update".into(), points: percent(|d| Some(d.writes as f64 / d.weight_updates.max(1) as f64)) },
                Series { name: "devices written in the epoch".into(), points: percent(|d| d.share_written) },
            ],
            false,
        )?;
        paths.push(writes_path);
    }
    Ok(paths)
}
