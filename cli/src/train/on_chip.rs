//! What an on-chip training run reports per epoch: device writes against weight updates, the
//! share of devices written, and a histogram of the devices' weights.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::chart::histogram;
use burn_neuro::analog::OnChipOptimizer;

/// Device activity of one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceEpoch {
    /// Devices holding weights.
    pub devices: usize,
    /// Weight updates the optimizer computed this epoch: devices × optimizer steps.
    pub weight_updates: u64,
    /// Device writes this epoch (a device updated with at least one pulse).
    pub writes: u64,
    /// Pulses applied this epoch.
    pub pulses: u64,
    /// Share of the devices written at least once this epoch (`None` for the first epoch
    /// after a resume, whose earlier per-device counts were not kept).
    pub share_written: Option<f64>,
    /// Writes since training started.
    pub total_writes: u64,
    /// Pulses since training started.
    pub total_pulses: u64,
    /// Optimizer steps the devices have taken since training started (read from the
    /// optimizer's state, so a resumed run continues the count).
    #[serde(default)]
    pub total_steps: u64,
}

/// Reads the on-chip optimizer's counters at every epoch end.
pub struct DeviceTracker {
    optimizer: OnChipOptimizer,
    /// Per-device writes at the previous epoch end, one vector per parameter.
    previous: Option<Vec<Vec<f32>>>,
    /// Every device's weight at the last epoch end, for the histogram.
    weights: Vec<f32>,
}

impl DeviceTracker {
    pub fn new(optimizer: OnChipOptimizer) -> Self {
        DeviceTracker { optimizer, previous: None, weights: Vec::new() }
    }

    /// The epoch's device activity, given the optimizer steps it took and the totals at the
    /// previous epoch end (0 for the first epoch).
    pub fn epoch(&mut self, steps: usize, before: Option<&DeviceEpoch>, first_epoch: bool) -> DeviceEpoch {
        let activity = self.optimizer.activity();
        let devices: usize = activity.iter().map(|a| a.devices).sum();
        let sum = |f: fn(&burn_neuro::analog::pulsed::ArrayActivity) -> &Vec<f32>| activity.iter().flat_map(f).map(|&v| v as f64).sum::<f64>() as u64;
        let (total_writes, total_pulses) = (sum(|a| &a.writes), sum(|a| &a.pulses));
        let writes_now: Vec<Vec<f32>> = activity.iter().map(|a| a.writes.clone()).collect();
        let previous = if first_epoch { Some(writes_now.iter().map(|w| vec![0.0; w.len()]).collect()) } else { self.previous.take() };
        let share_written = previous.filter(|p| p.len() == writes_now.len()).map(|previous| {
            let written = writes_now.iter().zip(&previous).flat_map(|(now, then)| now.iter().zip(then)).filter(|(now, then)| now > then).count();
            written as f64 / devices.max(1) as f64
        });
        self.previous = Some(writes_now);
        let total_steps = activity.iter().map(|a| a.updates).max().unwrap_or(0);
        self.weights = activity.into_iter().flat_map(|a| a.weights).collect();
        let (writes_before, pulses_before) = before.map_or((0, 0), |b| (b.total_writes, b.total_pulses));
        DeviceEpoch {
            devices,
            weight_updates: (devices * steps) as u64,
            writes: total_writes.saturating_sub(writes_before),
            pulses: total_pulses.saturating_sub(pulses_before),
            share_written,
            total_writes,
            total_pulses,
            total_steps,
        }
    }

    /// `conductances-epoch{N}.png`: the histogram of every device's weight (what a read sees)
    /// as [`epoch`](Self::epoch) last read it, with the device model's mean bounds marked.
    pub fn histogram(&self, out: &Path, epoch: usize) -> Result<PathBuf, String> {
        let weights = &self.weights;
        let model = &self.optimizer.config().device;
        let (lo, hi) = (model.w_min as f64, model.w_max as f64);
        let pad = 0.15 * (hi - lo);
        let path = out.join(format!("conductances-epoch{}.png", epoch + 1));
        let title = format!("Device weights after epoch {}", epoch + 1);
        histogram(&path, &title, "device weight (∝ conductance difference G+ − G−)", weights, (lo - pad, hi + pad), 80, &[lo, hi])?;
        Ok(path)
    }
}
