//! `bench parallel`: snnTorch tutorial 5's training step (784-H-10 Leaky MLP, Σ_t cross-entropy
//! of the output membrane, Adam) on the first device alone and split data-parallel across all
//! of them, in one run: the step time and the speed-up. On a machine with several real GPUs
//! this is the scaling number; with software adapters it proves the path.

use std::time::Instant;

use burn::module::Module;
use burn::optim::AdamConfig;
use burn::tensor::Device;
use burn_neuro::SavedState;
use serde::{Deserialize, Serialize};

use super::measure::Stats;
use crate::train::data::synthetic;
use crate::train::model::SnnMlp;
use crate::train::run::{LossKind, TrainSettings};
use crate::train::step::optimizer_step;

/// The step measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParallelConfig {
    pub batch: usize,
    pub steps: usize,
    pub hidden: usize,
    /// Timed optimizer steps per configuration (after two warm-up steps).
    pub samples: usize,
    pub precision: String,
}

impl ParallelConfig {
    /// Tutorial 5's sizes.
    pub fn full(samples: usize) -> Self {
        ParallelConfig { batch: 128, steps: 25, hidden: 1000, samples, precision: "F32".into() }
    }

    /// A smaller step for software adapters (a few seconds per configuration).
    pub fn quick(samples: usize) -> Self {
        ParallelConfig { batch: 64, steps: 10, hidden: 256, samples, precision: "F32".into() }
    }
}

/// One configuration's step times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParallelRun {
    /// The devices, as the caller labelled them.
    pub devices: Vec<String>,
    pub step_seconds: Stats,
    pub final_loss: f64,
}

/// The measurement: one device, then all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParallelRecord {
    pub config: ParallelConfig,
    pub one_device: ParallelRun,
    pub all_devices: ParallelRun,
    /// Median one-device step time over median all-device step time.
    pub speedup: f64,
}

fn settings(config: &ParallelConfig) -> TrainSettings {
    TrainSettings {
        model: "mlp".into(),
        precision: config.precision.clone(),
        epochs: 1,
        seed: 1,
        batch_size: config.batch,
        learning_rate: 5e-4,
        steps: config.steps,
        saved_state: SavedState::Full,
        loss: LossKind::MembraneCe,
        cosine_t_max: None,
        grad_clip: None,
        weight_clip: None,
    }
}

/// Times `config.samples` optimizer steps on `devices` (each step ends with the loss read back,
/// and the next step's forward waits for the update).
fn run(devices: &[Device], labels: &[String], config: &ParallelConfig, progress: &mut dyn FnMut(&str)) -> Result<ParallelRun, String> {
    let settings = settings(config);
    let data = synthetic::digits(config.batch * 4, 7);
    devices[0].seed(1);
    let mut model = SnnMlp::new(data.pixels(), config.hidden, 10, &devices[0]).train();
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let mut seconds = Vec::with_capacity(config.samples);
    let mut loss = f64::NAN;
    let order: Vec<usize> = (0..data.len()).collect();
    for step in 0..config.samples + 2 {
        let indices = &order[(step % 4) * config.batch..(step % 4 + 1) * config.batch];
        let start = Instant::now();
        let (updated, report) =
            optimizer_step(model, &mut optimizer, &data, indices, &settings, devices, settings.learning_rate, false, &format!("step {step}"))?;
        model = updated;
        loss = report.loss;
        if step >= 2 {
            seconds.push(start.elapsed().as_secs_f64());
        }
        progress(&format!("{} device(s): step {}/{}", devices.len(), step + 1, config.samples + 2));
    }
    Ok(ParallelRun { devices: labels.to_vec(), step_seconds: Stats::of(&seconds), final_loss: loss })
}

/// The step on `devices[0]`, then split across all `devices` (at least two), each named by its
/// entry of `labels`.
pub fn measure(devices: &[Device], labels: &[String], config: &ParallelConfig, mut progress: impl FnMut(&str)) -> Result<ParallelRecord, String> {
    if devices.len() < 2 {
        return Err("--devices: name at least two devices to compare one with several".into());
    }
    assert_eq!(devices.len(), labels.len(), "one label per device");
    let one_device = run(&devices[..1], &labels[..1], config, &mut progress)?;
    let all_devices = run(devices, labels, config, &mut progress)?;
    let speedup = one_device.step_seconds.median / all_devices.step_seconds.median;
    Ok(ParallelRecord { config: config.clone(), one_device, all_devices, speedup })
}

/// The record as a Markdown table.
pub fn markdown(record: &ParallelRecord) -> String {
    let c = &record.config;
    let mut text = format!(
        "### Data-parallel training step (784-{}-10 Leaky MLP, batch {}, T = {}, Adam, {})\n\n| devices | median step | p10 | p90 |\n|---|---|---|---|\n",
        c.hidden,
        c.batch,
        c.steps,
        c.precision.to_lowercase()
    );
    for run in [&record.one_device, &record.all_devices] {
        let s = &run.step_seconds;
        text.push_str(&format!("| {} | {:.1} ms | {:.1} ms | {:.1} ms |\n", run.devices.join(" + "), s.median * 1e3, s.p10 * 1e3, s.p90 * 1e3));
    }
    text.push_str(&format!("\nSpeed-up of {} devices over one: {:.2}×\n", record.all_devices.devices.len(), record.speedup));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_replicas_of_the_cpu_run_and_are_reported() {
        let config = ParallelConfig { batch: 8, steps: 3, hidden: 16, samples: 2, precision: "F32".into() };
        assert!(measure(&[Device::flex()], &["cpu".into()], &config, |_| {}).unwrap_err().contains("at least two"));
        // The CPU device twice: the data-parallel path (two threads, two shares) on any machine.
        let record = measure(&[Device::flex(), Device::flex()], &["cpu".into(), "cpu again".into()], &config, |_| {}).unwrap();
        assert_eq!(record.all_devices.devices, ["cpu", "cpu again"]);
        assert!(record.speedup > 0.0 && record.all_devices.final_loss.is_finite());
        let table = markdown(&record);
        assert!(table.contains("Speed-up of 2 devices"), "{table}");
    }
}
