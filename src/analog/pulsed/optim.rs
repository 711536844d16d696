//! On-chip training: a Burn [`Optimizer`] whose parameters are pulsed devices.
//!
//! The layer's forward (and, with [`AnalogBackward::Analog`](crate::analog::AnalogBackward), its
//! input gradient) is an analog read of the devices' weights; the weight gradient is computed
//! digitally by autodiff; this optimizer turns it into pulses:
//! - [`OnChipScheme::MixedPrecision`] (Nandakumar et al. 2020; aihwkit `MixedPrecisionCompound`):
//!   χ ← χ + η·∇W in f32, n = trunc(χ/ε), χ ← χ − n·ε, and |n| pulses go to the device, against
//!   the sign of n. A device is written only when |χ| ≥ ε.
//! - [`OnChipScheme::AnalogSgd`]: round(η·∇W / dw_min) pulses every step, no accumulator (the
//!   baseline the mixed-precision scheme improves on: updates below half a step are lost).
//!
//! Use it for the analog weights only, beside any digital optimizer for the rest:
//! ```ignore
//! let on_chip = OnChipConfig::new(PulsedDevice::reram_sb()).init()?;
//! let mut optim = AdamConfig::new().init().with_group(analog_weights(&[&model.fc1]), on_chip.clone(), None);
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use burn::config::Config;
use burn::module::{ParamGroup, ParamId};
use burn::optim::{LearningRate, Optimizer, RecordState, StateSink, StateSource};
use burn_pack::Scalar;
use burn::tensor::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use super::array::{DeviceArray, MAX_PULSES_PER_UPDATE};
use super::device::PulsedDevice;
use crate::error::{NeuroError, Result, or_panic};
use crate::kernels::pulsed_update::DeviceState;

/// How an optimizer step turns the weight gradient into pulses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum OnChipScheme {
    /// Accumulate η·∇W digitally in χ; transfer n = trunc(χ/ε) pulses per device and keep the
    /// remainder (aihwkit `MixedPrecisionCompound` with `n_x_bins = n_d_bins = 0`). As in
    /// aihwkit, the first update after programming only accumulates.
    MixedPrecision {
        /// The threshold ε in weight units (`None`: the device's granularity, aihwkit's default).
        granularity: Option<f32>,
        /// At most this many pulses per device and update; a larger |n| is capped and its excess
        /// stays in χ for later updates.
        max_pulses: u32,
    },
    /// Plain analog SGD: n = round(η·∇W / dw_min) pulses per device and step.
    AnalogSgd {
        /// At most this many pulses per device and update (the excess is dropped).
        max_pulses: u32,
    },
}

impl OnChipScheme {
    /// Mixed precision with ε = the device's granularity and at most 31 pulses per update
    /// (aihwkit's longest pulse train).
    pub fn mixed_precision() -> Self {
        OnChipScheme::MixedPrecision { granularity: None, max_pulses: 31 }
    }

    /// Plain analog SGD with at most 31 pulses per update.
    pub fn analog_sgd() -> Self {
        OnChipScheme::AnalogSgd { max_pulses: 31 }
    }
}

/// Configuration of an [`OnChipOptimizer`].
#[derive(Config, Debug)]
pub struct OnChipConfig {
    /// The device every weight is stored on.
    pub device: PulsedDevice,
    /// How gradients become pulses.
    #[config(default = "OnChipScheme::mixed_precision()")]
    pub scheme: OnChipScheme,
    /// Seed of the device draws and noise (each parameter gets its own stream).
    #[config(default = 0)]
    pub seed: u64,
}

impl OnChipConfig {
    /// Checks the config and builds the optimizer.
    pub fn init(&self) -> Result<OnChipOptimizer> {
        self.device.validate()?;
        let max_pulses = match self.scheme {
            OnChipScheme::MixedPrecision { granularity, max_pulses } => {
                if let Some(eps) = granularity
                    && !(eps > 0.0 && eps.is_finite())
                {
                    return Err(NeuroError::Range { argument: "granularity", value: eps.to_string(), expected: "a threshold > 0".into() });
                }
                max_pulses
            }
            OnChipScheme::AnalogSgd { max_pulses } => max_pulses,
        };
        if max_pulses == 0 || max_pulses > MAX_PULSES_PER_UPDATE {
            return Err(NeuroError::Range {
                argument: "max_pulses",
                value: max_pulses.to_string(),
                expected: format!("1..={MAX_PULSES_PER_UPDATE}"),
            });
        }
        Ok(OnChipOptimizer { config: Arc::new(self.clone()), arrays_created: Arc::new(AtomicU64::new(0)), log: Arc::default() })
    }

    /// ε of the mixed-precision scheme (the device's granularity unless set).
    pub fn threshold(&self) -> f32 {
        match self.scheme {
            OnChipScheme::MixedPrecision { granularity: Some(eps), .. } => eps,
            _ => self.device.granularity(),
        }
    }
}

/// The pulsed-device optimizer (see the module docs). Clones share their device log.
#[derive(Clone, Debug)]
pub struct OnChipOptimizer {
    config: Arc<OnChipConfig>,
    /// Parameters programmed so far: each takes the next seed, so every layer's devices differ.
    arrays_created: Arc<AtomicU64>,
    log: Arc<Mutex<BTreeMap<u64, DeviceArray>>>,
}

/// Per parameter: the device state, the accumulator χ, and the updates so far.
#[derive(Clone, Debug)]
pub struct OnChipState<const D: usize> {
    /// The devices: held weight, read weight, writes and pulses, each `[devices]`.
    pub devices: DeviceState<Tensor<1>>,
    /// The mixed-precision accumulator χ (absent for analog SGD).
    pub chi: Option<Tensor<D>>,
    /// Seed of this parameter's devices.
    pub seed: u64,
    /// Optimizer steps applied.
    pub updates: u64,
}

impl<const D: usize> RecordState for OnChipState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "held", self.devices.held.to_data());
        out.push_tensor(prefix, "seen", self.devices.seen.to_data());
        out.push_tensor(prefix, "writes", self.devices.writes.to_data());
        out.push_tensor(prefix, "applied", self.devices.applied.to_data());
        if let Some(chi) = &self.chi {
            out.push_tensor(prefix, "chi", chi.to_data());
        }
        out.push_scalar(prefix, "seed", Scalar::UInt(self.seed));
        out.push_scalar(prefix, "updates", Scalar::UInt(self.updates));
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        let mut take = |leaf: &str| src.take_tensor(prefix, leaf).map(|data| Tensor::<1>::from_data(data, device));
        let devices = DeviceState { held: take("held")?, seen: take("seen")?, writes: take("writes")?, applied: take("applied")? };
        let chi = src.take_tensor(prefix, "chi").map(|data| Tensor::from_data(data, device));
        let unsigned = |scalar: Scalar| match scalar {
            Scalar::UInt(value) => Some(value),
            _ => None,
        };
        let seed = unsigned(src.take_scalar(prefix, "seed")?)?;
        let updates = unsigned(src.take_scalar(prefix, "updates")?)?;
        Some(OnChipState { devices, chi, seed, updates })
    }
}

/// Device activity of one parameter, read back from the device.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayActivity {
    /// Seed of the parameter's devices (identifies it).
    pub seed: u64,
    /// Number of devices.
    pub devices: usize,
    /// Optimizer steps applied.
    pub updates: u64,
    /// Per device: updates that wrote it (applied ≥ 1 pulse).
    pub writes: Vec<f32>,
    /// Per device: pulses applied.
    pub pulses: Vec<f32>,
    /// Per device: the weight a read sees.
    pub weights: Vec<f32>,
}

impl OnChipOptimizer {
    /// The configuration.
    pub fn config(&self) -> &OnChipConfig {
        &self.config
    }

    /// Every parameter's device activity so far, ordered by seed (reads the device).
    pub fn activity(&self) -> Vec<ArrayActivity> {
        let log = self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        log.values()
            .map(|array| {
                let read = |values: Tensor<1>| values.into_data().iter::<f32>().collect::<Vec<_>>();
                let state = array.state();
                ArrayActivity {
                    seed: array.seed(),
                    devices: array.len(),
                    updates: array.steps() as u64,
                    writes: read(state.writes),
                    pulses: read(state.applied),
                    weights: read(state.seen),
                }
            })
            .collect()
    }

    fn seed_for_next_array(&self) -> u64 {
        let index = self.arrays_created.fetch_add(1, Ordering::Relaxed);
        self.config.seed ^ (index + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

/// A parameter group of the given parameters (e.g. the `weight` of each analog layer), for
/// [`ModuleOptimizer::with_group`](burn::optim::ModuleOptimizer::with_group).
pub fn param_group(ids: impl IntoIterator<Item = ParamId>) -> ParamGroup {
    ParamGroup::from_ids(ids.into_iter().collect())
}

impl Optimizer for OnChipOptimizer {
    type State<const D: usize> = OnChipState<D>;

    fn step<const D: usize>(&self, lr: LearningRate, tensor: Tensor<D>, grad: Tensor<D>, state: Option<Self::State<D>>) -> (Tensor<D>, Option<Self::State<D>>) {
        let config = &self.config;
        let dims = tensor.dims();
        if let Some(state) = &state {
            // Drop the log's handles first, so the update can write the buffers in place.
            self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&state.seed);
        }
        let (mut array, chi, updates) = match state {
            Some(state) => {
                let array = DeviceArray::from_state(config.device.clone(), state.seed, state.updates as u32, state.devices, dims.to_vec());
                (array, state.chi, state.updates)
            }
            None => {
                let seed = self.seed_for_next_array();
                let array = or_panic(DeviceArray::program(tensor.clone(), &config.device, seed));
                let chi = matches!(config.scheme, OnChipScheme::MixedPrecision { .. }).then(|| tensor.zeros_like().cast(DType::F32));
                (array, chi, 0)
            }
        };
        let step = grad.cast(DType::F32) * lr;
        let chi = match config.scheme {
            OnChipScheme::MixedPrecision { max_pulses, .. } => {
                let eps = config.threshold();
                let chi = chi.unwrap_or_else(|| step.zeros_like()) + step;
                if updates > 0 {
                    let n = (chi.clone() / eps).trunc().clamp(-(max_pulses as f32), max_pulses as f32);
                    let chi = chi - n.clone() * eps;
                    // χ > 0 means the weight should fall: n > 0 is n down pulses.
                    array.apply_unchecked(n.neg());
                    Some(chi)
                } else {
                    Some(chi)
                }
            }
            OnChipScheme::AnalogSgd { max_pulses } => {
                let n = (step / config.device.dw_min).round().clamp(-(max_pulses as f32), max_pulses as f32);
                array.apply_unchecked(n.neg());
                None
            }
        };
        let weights = array.weights::<D>().cast(tensor.dtype());
        let state = OnChipState { devices: array.state(), chi, seed: array.seed(), updates: updates + 1 };
        // `from_state` left the step at the saved update count; keep the log in step with it.
        let logged = DeviceArray::from_state(config.device.clone(), state.seed, state.updates as u32, state.devices.clone(), dims.to_vec());
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(state.seed, logged);
        (weights, Some(state))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        let d = state.devices;
        state.devices =
            DeviceState { held: d.held.to_device(device), seen: d.seen.to_device(device), writes: d.writes.to_device(device), applied: d.applied.to_device(device) };
        state.chi = state.chi.map(|chi| chi.to_device(device));
        state
    }
}
