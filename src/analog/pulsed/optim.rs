//! On-chip training: a Burn [`Optimizer`] whose parameters are pulsed devices.
//!
//! The layer's forward (and, with [`AnalogBackward::Analog`](crate::analog::AnalogBackward), its
//! input gradient) is an analog read of the devices' weights; the weight gradient is computed
//! digitally by autodiff; this optimizer turns it into pulses:
//! - [`OnChipScheme::MixedPrecision`] (Nandakumar et al. 2020; aihwkit `MixedPrecisionCompound`):
//!   χ ← χ + η·∇W in f32, n = trunc(χ/ε), round(n·ε/g) pulses go to the device against the sign
//!   of n (g: the device's granularity, ε's default), and χ keeps what they did not move. A
//!   device is written only when |χ| ≥ ε.
//! - [`OnChipScheme::AnalogSgd`]: round(η·∇W / g) pulses every step, no accumulator (the
//!   baseline the mixed-precision scheme improves on: updates below half a step are lost).
//!
//! Use it for the analog weights only, beside any digital optimizer for the rest:
//! ```ignore
//! let on_chip = OnChipConfig::new(PulsedDevice::reram_sb()).init()?;
//! let mut optim = AdamConfig::new().init().with_group(param_group([model.fc1.weight.id]), on_chip.clone(), None);
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use burn::config::Config;
use burn::module::{ParamGroup, ParamId};
use burn::optim::{LearningRate, Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{DType, Device, Tensor};
use burn_pack::Scalar;
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
        /// The threshold ε in device weight units (`None`: the device's granularity g, aihwkit's
        /// default). A transfer of n·ε applies round(n·ε/g) pulses.
        granularity: Option<f32>,
        /// At most this many pulses per device and update; the steps a cap holds back stay in
        /// χ for later updates.
        max_pulses: u32,
    },
    /// Plain analog SGD: n = round(η·∇W / g) pulses per device and step, g the device's
    /// granularity (`dw_min` but for ExpStep and PowStep).
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
    /// Weight mapping (aihwkit `weight_scaling_omega`): each parameter is stored as `W/α` with
    /// `α = max|W₀|/ω` fixed when its devices are programmed (so its largest initial weight sits
    /// at ω in device units), and read back as `α·w`. 0 stores the weights as they are.
    /// Gradients are mapped the same way, so the learning rate means what it means digitally.
    #[config(default = 1.0)]
    pub weight_scaling_omega: f32,
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
        if !(self.weight_scaling_omega >= 0.0 && self.weight_scaling_omega.is_finite()) {
            return Err(NeuroError::Range {
                argument: "weight_scaling_omega",
                value: self.weight_scaling_omega.to_string(),
                expected: "a device weight >= 0 (0: no scaling)".into(),
            });
        }
        if max_pulses == 0 || max_pulses > MAX_PULSES_PER_UPDATE {
            return Err(NeuroError::Range {
                argument: "max_pulses",
                value: max_pulses.to_string(),
                expected: format!("1..={MAX_PULSES_PER_UPDATE}"),
            });
        }
        Ok(OnChipOptimizer { config: Arc::new(self.clone()), arrays_created: Arc::new(AtomicU64::new(0)), registry: Arc::default() })
    }

    /// ε of the mixed-precision scheme (the device's granularity unless set).
    pub fn threshold(&self) -> f32 {
        match self.scheme {
            OnChipScheme::MixedPrecision { granularity: Some(eps), .. } => eps,
            _ => self.device.granularity(),
        }
    }
}

/// The pulsed-device optimizer (see the module docs). Clones share their registry of device
/// arrays.
#[derive(Clone, Debug)]
pub struct OnChipOptimizer {
    config: Arc<OnChipConfig>,
    /// Parameters programmed so far: each takes the next seed, so every layer's devices differ.
    arrays_created: Arc<AtomicU64>,
    /// Every parameter's latest device array and weight scale, by seed, for [`activity`](Self::activity).
    registry: Arc<Mutex<BTreeMap<u64, (DeviceArray, f32)>>>,
}

/// Per parameter: the device state, the accumulator χ, and the updates so far.
#[derive(Clone, Debug)]
pub struct OnChipState<const D: usize> {
    /// The devices: held weight, read weight, writes and pulses, each `[devices]`.
    pub devices: DeviceState<Tensor<1>>,
    /// The mixed-precision accumulator χ (absent for analog SGD).
    pub chi: Option<Tensor<D>>,
    /// The weight scale α: the parameter is `α·w` for device weights `w`.
    pub scale: f32,
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
        out.push_scalar(prefix, "scale", Scalar::Float(self.scale as f64));
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
        let scale = match src.take_scalar(prefix, "scale")? {
            Scalar::Float(value) => value as f32,
            _ => return None,
        };
        let seed = unsigned(src.take_scalar(prefix, "seed")?)?;
        let updates = unsigned(src.take_scalar(prefix, "updates")?)?;
        Some(OnChipState { devices, chi, scale, seed, updates })
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
    /// The weight scale α: the parameter is `α·w` for the device weights `w` below.
    pub scale: f32,
    /// Per device: updates that wrote it (applied ≥ 1 pulse).
    pub writes: Vec<f32>,
    /// Per device: pulses applied.
    pub pulses: Vec<f32>,
    /// Per device: the weight a read sees, in device units.
    pub weights: Vec<f32>,
}

impl OnChipOptimizer {
    /// The configuration.
    pub fn config(&self) -> &OnChipConfig {
        &self.config
    }

    /// Every parameter's device activity so far, ordered by seed (reads the device).
    pub fn activity(&self) -> Vec<ArrayActivity> {
        let registry = self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        registry
            .values()
            .map(|(array, scale)| {
                let read = |values: Tensor<1>| values.into_data().iter::<f32>().collect::<Vec<_>>();
                let state = array.state();
                ArrayActivity {
                    seed: array.seed(),
                    devices: array.len(),
                    updates: array.steps() as u64,
                    scale: *scale,
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

/// Pulse counts for the kernel: capped at ±`max_pulses`, and 0 where a non-finite gradient
/// made them NaN (that device is left alone; its χ shows the NaN).
fn pulse_counts<const D: usize>(counts: Tensor<D>, max_pulses: u32) -> Tensor<D> {
    let capped = counts.clamp(-(max_pulses as f32), max_pulses as f32);
    capped.clone().mask_fill(capped.is_nan(), 0.0)
}

/// α = max|W|/ω (1 when ω = 0 or the weights are all zero). Reads the maximum back once, when
/// a parameter's devices are programmed.
fn weight_scale<const D: usize>(weights: &Tensor<D>, omega: f32) -> f32 {
    if omega == 0.0 {
        return 1.0;
    }
    let max = weights.clone().abs().max().into_scalar::<f32>();
    if max > 0.0 && max.is_finite() { max / omega } else { 1.0 }
}

/// A parameter group of the given parameters (e.g. the `weight` of each analog layer), for
/// [`ModuleOptimizer::with_group`](burn::optim::ModuleOptimizer::with_group).
pub fn param_group(ids: impl IntoIterator<Item = ParamId>) -> ParamGroup {
    ParamGroup::from_ids(ids.into_iter().collect())
}

impl Optimizer for OnChipOptimizer {
    type State<const D: usize> = OnChipState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let config = &self.config;
        let dims = tensor.dims();
        if let Some(state) = &state {
            // Drop the registry's handles first, so the update can write the buffers in place.
            self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&state.seed);
        }
        let (mut array, chi, scale, updates) = match state {
            Some(state) => {
                let array = DeviceArray::from_state(config.device.clone(), state.seed, state.updates as u32, state.devices, dims.to_vec());
                (array, state.chi, state.scale, state.updates)
            }
            None => {
                let seed = self.seed_for_next_array();
                let scale = weight_scale(&tensor, config.weight_scaling_omega);
                let array = or_panic(DeviceArray::program(tensor.clone() / scale, &config.device, seed));
                let chi = matches!(config.scheme, OnChipScheme::MixedPrecision { .. }).then(|| tensor.zeros_like().cast(DType::F32));
                (array, chi, scale, 0)
            }
        };
        // The step in device units: W = α·w, so Δw = ΔW/α.
        let step = grad.cast(DType::F32) * (lr / scale as f64);
        let chi = match config.scheme {
            OnChipScheme::MixedPrecision { max_pulses, .. } => {
                let chi = chi.unwrap_or_else(|| step.zeros_like()) + step;
                // As aihwkit: the first update after programming only accumulates.
                if updates == 0 {
                    Some(chi)
                } else {
                    // n transfers of ε are ε/g device steps each (aihwkit's transfer learning rate
                    // ε over the device granularity g): n pulses when ε = g, the default.
                    let (eps, granularity) = (config.threshold(), config.device.granularity());
                    let n = (chi.clone() / eps).trunc();
                    let pulses = if eps == granularity { n } else { (n * (eps / granularity)).round() };
                    let applied = pulse_counts(pulses, max_pulses);
                    // χ keeps the remainder: what the applied pulses did not move (nominally).
                    let chi = chi - applied.clone() * granularity;
                    // χ > 0 means the weight should fall: n > 0 is n down pulses.
                    array.apply_unchecked(applied.neg());
                    Some(chi)
                }
            }
            OnChipScheme::AnalogSgd { max_pulses } => {
                let n = pulse_counts((step / config.device.granularity()).round(), max_pulses);
                array.apply_unchecked(n.neg());
                None
            }
        };
        let weights = (array.weights::<D>() * scale).cast(tensor.dtype());
        let state = OnChipState { devices: array.state(), chi, scale, seed: array.seed(), updates: updates + 1 };
        let logged = DeviceArray::from_state(config.device.clone(), state.seed, state.updates as u32, state.devices.clone(), dims.to_vec());
        self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(state.seed, (logged, scale));
        (weights, Some(state))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        let d = state.devices;
        state.devices = DeviceState {
            held: d.held.to_device(device),
            seen: d.seen.to_device(device),
            writes: d.writes.to_device(device),
            applied: d.applied.to_device(device),
        };
        state.chi = state.chi.map(|chi| chi.to_device(device));
        state
    }
}
