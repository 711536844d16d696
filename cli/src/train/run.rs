//! The training loop: Adam on the summed per-step cross-entropy of the output membrane
//! (snnTorch tutorial 5) or on snnTorch's `mse_count_loss`, a constant or periodic cosine
//! learning rate, accuracy from summed output spikes, per-epoch metrics (per-layer spike counts
//! included), charts and resumable checkpoints.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::optim::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::tensor::{DType, Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::data::{Dataset, shuffled};
use super::model::{Readout, SpikingClassifier, SpikingOutput};
use super::on_chip::{DeviceEpoch, DeviceTracker};
use super::step::optimizer_step;
use crate::chart::{Series, line_chart};
use burn_neuro::analog::OnChipOptimizer;
use burn_neuro::neuron::SavedState;

/// What the training loop minimizes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum LossKind {
    /// Σ_t CE(U[t], y) on the output membrane (snnTorch tutorial 5).
    #[default]
    MembraneCe,
    /// snnTorch's `mse_count_loss(correct_rate, incorrect_rate)` on the output spike counts.
    MseCount { correct_rate: f32, incorrect_rate: f32 },
    /// snnTorch's `ce_rate_loss`: cross-entropy of the output spikes at every step, averaged
    /// over steps (tutorial 6).
    CeRate,
}

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
    #[serde(default)]
    pub loss: LossKind,
    /// Periodic cosine learning rate stepped every iteration (PyTorch's `CosineAnnealingLR`,
    /// η_min = 0): `T_max`, the iterations from η₀ down to 0. `None`: constant.
    #[serde(default)]
    pub cosine_t_max: Option<usize>,
    /// Global gradient-norm clip (PyTorch's `clip_grad_norm_`).
    #[serde(default)]
    pub grad_clip: Option<f32>,
    /// Clamp every trained parameter to [−c, c] before each optimizer step.
    #[serde(default)]
    pub weight_clip: Option<f32>,
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
    /// The learning rate of the epoch's last step.
    #[serde(default)]
    pub learning_rate: f64,
    /// Activity of every spiking layer on the test set after the epoch.
    #[serde(default)]
    pub layers: Vec<LayerActivity>,
}

/// One spiking layer's activity on the test set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerActivity {
    pub layer: String,
    /// Spikes the whole layer emits per example over all steps.
    pub spikes_per_example: f64,
    /// Spikes per neuron per step.
    pub firing_rate: f64,
    /// The layer's threshold (first neuron), where the model reports it.
    pub threshold: Option<f32>,
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
    /// Adam with PyTorch's defaults (β₁ 0.9, β₂ 0.999, ε = 1e-8) on every parameter, as the
    /// snnTorch tutorials run it. Burn's `AdamConfig` defaults to ε = 1e-5, which drowns the
    /// small surrogate gradients of a quiet output layer: tutorial 6 with ce_rate_loss does
    /// not train at all with it.
    pub fn adam() -> Self {
        Optimization { build: &|_| AdamConfig::new().with_epsilon(1e-8).init(), on_chip: None }
    }
}

/// Progress callbacks (a progress bar in the CLI).
pub trait Progress {
    fn epoch_start(&mut self, epoch: usize, batches: usize);
    fn batch(&mut self, loss: f64, accuracy: f64);
    fn epoch_end(&mut self, metrics: &EpochMetrics);
}

pub(super) fn batch_tensors(data: &Dataset, indices: &[usize], device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let (images, labels) = data.gather(indices);
    let images = Tensor::from_data(TensorData::new(images, [indices.len(), data.pixels()]), (device, DType::F32));
    let labels = Tensor::from_data(TensorData::new(labels, [indices.len()]), device);
    (images, labels)
}

/// Correct predictions under the model's readout (ties to the lowest class).
pub(super) fn correct(out: &SpikingOutput, readout: Readout, labels: Tensor<1, Int>) -> usize {
    correct_count(out, readout, labels).into_data().iter::<i64>().next().unwrap_or(0) as usize
}

/// [`correct`], left on the device.
pub(super) fn correct_count(out: &SpikingOutput, readout: Readout, labels: Tensor<1, Int>) -> Tensor<1, Int> {
    let scores = readout.scores(out).detach();
    let batch = scores.dims()[0];
    let predicted = scores.argmax(1).reshape([batch]);
    predicted.equal(labels).int().sum()
}

/// Test-set accuracy.
pub fn evaluate<M: SpikingClassifier>(model: &M, data: &Dataset, settings: &TrainSettings, device: &Device) -> f64 {
    evaluate_with_activity(model, data, settings, device).0
}

/// Test-set accuracy and the activity of every spiking layer (summed on the device, read once).
pub fn evaluate_with_activity<M: SpikingClassifier>(
    model: &M,
    data: &Dataset,
    settings: &TrainSettings,
    device: &Device,
) -> (f64, Vec<LayerActivity>) {
    let model = model.valid();
    let layers = model.spiking_layers();
    let mut totals: Vec<Option<Tensor<1>>> = vec![None; layers.len()];
    let mut right = 0;
    let order: Vec<usize> = (0..data.len()).collect();
    for chunk in order.chunks(settings.batch_size) {
        let (images, labels) = batch_tensors(data, chunk, device);
        let out = model.forward(images, settings.steps, settings.dtype());
        right += correct(&out, model.readout(), labels);
        for (total, spikes) in totals.iter_mut().zip(out.layer_spikes) {
            *total = Some(match total.take() {
                Some(t) => t + spikes,
                None => spikes,
            });
        }
    }
    debug_assert!(totals.iter().all(Option::is_some) || data.is_empty(), "every spiking layer reports its spikes");
    let examples = data.len().max(1) as f64;
    let thresholds = model.thresholds();
    let activity = layers
        .iter()
        .zip(totals)
        .enumerate()
        .map(|(index, ((name, neurons), total))| {
            let spikes = total.map_or(0.0, |t| t.into_data().iter::<f32>().next().unwrap_or(f32::NAN) as f64);
            LayerActivity {
                layer: name.to_string(),
                spikes_per_example: spikes / examples,
                firing_rate: spikes / examples / (*neurons * settings.steps).max(1) as f64,
                threshold: thresholds.get(index).copied(),
            }
        })
        .collect();
    (right as f64 / examples, activity)
}

/// The learning rate of every iteration: constant, or Burn's cosine annealing, whose closed form
/// `η₀·(1 + cos(π·t/T_max))/2` with an unbounded t is PyTorch's `CosineAnnealingLR` stepped every
/// iteration (η falls to 0 at `T_max` and climbs back to η₀ at `2·T_max`).
pub struct LrSchedule {
    constant: f64,
    cosine: Option<ModuleLrScheduler>,
}

impl LrSchedule {
    /// The schedule positioned before iteration `start`.
    pub fn new(settings: &TrainSettings, start: usize) -> Result<Self, String> {
        let cosine = match settings.cosine_t_max {
            Some(t_max) => {
                let mut scheduler =
                    CosineAnnealingLrSchedulerConfig::new(settings.learning_rate, t_max).init().map_err(|e| format!("--lr-schedule cosine: {e}"))?;
                for _ in 0..start {
                    scheduler.step();
                }
                Some(scheduler)
            }
            None => None,
        };
        Ok(LrSchedule { constant: settings.learning_rate, cosine })
    }

    /// The rate of the next iteration.
    pub fn advance(&mut self) -> f64 {
        match self.cosine.as_mut() {
            Some(scheduler) => scheduler.step().base(),
            None => self.constant,
        }
    }
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
    train_on(model, train_set, test_set, settings, std::slice::from_ref(device), out, resume, progress, optimization)
}

/// [`train`] data-parallel on `devices` (see [`super::parallel`]): every batch is split across
/// them, each runs its share on a fork of the model, and the gradients are summed by Burn's
/// multi-device optimizer step (gathered on the first device when `grad_clip` needs their
/// global norm). Evaluation and checkpoints run on the first device. One device is [`train`].
pub fn train_on<M: SpikingClassifier>(
    model: M,
    train_set: &Dataset,
    test_set: &Dataset,
    settings: &TrainSettings,
    devices: &[Device],
    out: &Path,
    resume: bool,
    progress: &mut dyn Progress,
    optimization: Optimization<'_, M>,
) -> Result<TrainOutcome, String> {
    let device = devices.first().ok_or("training needs at least one device")?;
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
    let started = Instant::now();
    let mut global_step = metrics.last().map_or(0, |m| m.global_step);
    let mut schedule = LrSchedule::new(settings, global_step)?;
    let mut learning_rate = settings.learning_rate;

    for epoch in metrics.len()..settings.epochs {
        let epoch_start = Instant::now();
        let order = shuffled(train_set.len(), settings.seed, epoch);
        let batches: Vec<&[usize]> = order.chunks(settings.batch_size).collect();
        progress.epoch_start(epoch, batches.len());
        let (mut loss_sum, mut right, mut seen) = (0.0, 0usize, 0usize);
        let mut batch_losses = Vec::with_capacity(batches.len());
        let mut held_for_backward_bytes = None;
        for (index, indices) in batches.into_iter().enumerate() {
            learning_rate = schedule.advance();
            // Memory is measured once per epoch: each reading waits for the device.
            let position = format!("epoch {epoch}, step {global_step}");
            let (updated, step) = optimizer_step(model, &mut optimizer, train_set, indices, settings, devices, learning_rate, index == 0, &position)?;
            model = updated;
            if step.held_for_backward_bytes.is_some() {
                held_for_backward_bytes = step.held_for_backward_bytes;
            }
            right += step.right;
            seen += indices.len();
            loss_sum += step.loss;
            batch_losses.push(step.loss);
            global_step += 1;
            progress.batch(step.loss, right as f64 / seen as f64);
        }
        if devices.len() > 1 {
            // `step_multi` leaves each parameter on the device that updated it; `fork` brings
            // them back as fresh leaves of the autodiff graph (`to_device` would make them nodes
            // of the step's graph, which the next epoch could not train).
            model = model.fork(device);
        }
        let (test_accuracy, layers) = evaluate_with_activity(&model, test_set, settings, device);
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
            learning_rate,
            layers,
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
    let same_run = saved.model == settings.model
        && saved.precision == settings.precision
        && saved.seed == settings.seed
        && saved.batch_size == settings.batch_size
        && saved.steps == settings.steps
        && saved.learning_rate == settings.learning_rate
        && saved.loss == settings.loss
        && saved.cosine_t_max == settings.cosine_t_max
        && saved.grad_clip == settings.grad_clip
        && saved.weight_clip == settings.weight_clip;
    if !same_run {
        return Err(format!(
            "--resume: {} was written by a different run ({} {} seed {} batch {} steps {} lr {} T_max {:?})",
            checkpoint.display(),
            saved.model,
            saved.precision,
            saved.seed,
            saved.batch_size,
            saved.steps,
            saved.learning_rate,
            saved.cosine_t_max
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

/// `metrics.csv`, `metrics.json`, `loss.png` (per batch) and `accuracy.png` (per epoch); for
/// spiking models also `layers.csv` and `spikes.png` (per-layer activity per epoch).
pub fn write_reports(out: &Path, metrics: &[EpochMetrics]) -> Result<Vec<PathBuf>, String> {
    let write = |name: &str, text: String| {
        let path = out.join(name);
        std::fs::write(&path, text).map(|_| path.clone()).map_err(|e| format!("{}: {e}", path.display()))
    };
    let mut csv = String::from(
        "epoch,global_step,train_loss,train_accuracy,test_accuracy,seconds,learning_rate,held_for_backward_bytes,weight_updates,device_writes,device_pulses,share_written\n",
    );
    for m in metrics {
        let held = m.held_for_backward_bytes.map_or(String::new(), |b| b.to_string());
        let devices = m.devices.as_ref().map_or(",,,".into(), |d| {
            format!("{},{},{},{}", d.weight_updates, d.writes, d.pulses, d.share_written.map_or(String::new(), |s| format!("{s:.6}")))
        });
        csv.push_str(&format!(
            "{},{},{:.6},{:.6},{:.6},{:.3},{:e},{held},{devices}\n",
            m.epoch, m.global_step, m.train_loss, m.train_accuracy, m.test_accuracy, m.seconds, m.learning_rate
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
    if metrics.iter().any(|m| !m.layers.is_empty()) {
        paths.extend(write_layer_reports(out, metrics)?);
    }
    Ok(paths)
}

/// `layers.csv` (one row per epoch and spiking layer) and `spikes.png` (firing rate per layer
/// per epoch): whether every layer keeps firing as training goes on.
fn write_layer_reports(out: &Path, metrics: &[EpochMetrics]) -> Result<Vec<PathBuf>, String> {
    let mut csv = String::from("epoch,layer,spikes_per_example,firing_rate,threshold\n");
    let mut names: Vec<&str> = Vec::new();
    for m in metrics {
        for l in &m.layers {
            let threshold = l.threshold.map_or(String::new(), |t| format!("{t}"));
            csv.push_str(&format!("{},{},{:.3},{:.6},{threshold}\n", m.epoch, l.layer, l.spikes_per_example, l.firing_rate));
            if !names.contains(&l.layer.as_str()) {
                names.push(&l.layer);
            }
        }
    }
    let csv_path = out.join("layers.csv");
    std::fs::write(&csv_path, csv).map_err(|e| format!("{}: {e}", csv_path.display()))?;
    let series: Vec<Series> = names
        .iter()
        .map(|name| Series {
            name: format!("{name} spikes per neuron per step (%)"),
            points: metrics
                .iter()
                .filter_map(|m| m.layers.iter().find(|l| l.layer == *name).map(|l| ((m.epoch + 1) as f64, 100.0 * l.firing_rate)))
                .collect(),
        })
        .collect();
    let chart_path = out.join("spikes.png");
    line_chart(&chart_path, "Firing rate per layer (test set)", "epoch", "firing rate (%)", &series, false)?;
    Ok(vec![csv_path, chart_path])
}
