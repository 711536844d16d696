//! What a simulated memristor crossbar is: its tiles, conductance range, converters and
//! non-idealities. Units: conductances in µS, times in seconds, voltages in volts.
//!
//! The IO pipeline and the PCM noise model follow IBM aihwkit's `IOParameters` and
//! `PCMLikeNoiseModel` (see the presets); `validate` rejects impossible settings with an error
//! naming the field.

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::error::{NeuroError, Result};

/// How the input range is scaled before the DAC (aihwkit `NoiseManagementType`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum NoiseManagement {
    /// No scaling.
    None,
    /// Divide by max|x| of the tile's input slice (aihwkit `ABS_MAX`).
    AbsMax,
    /// Divide by a constant.
    Constant(f32),
}

/// Retrying a saturated ADC with a smaller input scale (aihwkit `BoundManagementType`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum BoundManagement {
    /// No input scaling.
    None,
    /// Halve the input scale and read again while any output saturates, up to
    /// `max_factor` (aihwkit `max_bm_factor` = 1000) and `max_resolution / Δin`
    /// (`max_bm_res` = 0.25): at most 5 passes with aihwkit's defaults.
    Iterative {
        /// Largest input down-scaling factor.
        max_factor: f32,
        /// Largest input step (`max_resolution / Δin` bounds the scaling).
        max_resolution: f32,
    },
}

/// Output-referred weight read noise (aihwkit `w_noise` / `w_noise_type`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ReadNoise {
    /// No bound management: a saturated output stays clipped at the bound.
    None,
    /// `y += σ·‖x'‖₂·ξ`.
    AdditiveConstant(f32),
    /// `y += σ·√(Σ_j |w_j|·x'_j²)·ξ`.
    PcmRead(f32),
}

/// Conductance error when programming each device.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ProgrammingNoise {
    /// No read noise.
    None,
    /// `g += σ·ξ`, σ in µS.
    Constant(f32),
    /// aihwkit's PCM fit: `σ(ĝ) = scale·(0.26348 + 1.9650·ĝ − 1.1731·ĝ²)·(g_max / 25 µS)`,
    /// `ĝ = g / g_max` (1.055 µS at ĝ = 1, g_max = 25 µS).
    PcmPolynomial(f32),
}

/// Conductance drift `g(t) = g_prog·(t / t0)^(−ν)` with ν drawn once per device from aihwkit's
/// PCM statistics, read `time` seconds after programming.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// Seconds between programming and the read (no drift while `time <= t0`).
    pub time: f32,
    /// Reference time t0 (aihwkit: 20 s).
    pub t0: f32,
    /// Multiplies every ν (aihwkit `drift_scale`).
    pub scale: f32,
    /// Rescale outputs by aihwkit's `GlobalDriftCompensation`: mean |y| of an identity read
    /// through the noisy pipeline at programming over the same read after drift.
    pub compensation: bool,
}

/// How long a read takes and what its converters cost: the duration and energy in
/// [`ReadTraces`](crate::analog::ReadTraces).
///
/// A pass (one bound-management attempt) integrates the column currents for
/// `integration_time`, then converts the tile's columns with ADCs shared by `columns_per_adc`
/// columns each, one conversion after another. Tiles work in parallel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReadTiming {
    /// Seconds the array integrates its column currents per pass.
    pub integration_time: f32,
    /// Seconds per ADC conversion.
    pub adc_conversion_time: f32,
    /// Columns sharing one ADC (converted one after another).
    pub columns_per_adc: u32,
    /// Energy of one ADC conversion, pJ.
    pub adc_energy: f32,
}

impl Default for ReadTiming {
    /// 10 ns integration, an 8-bit SAR ADC shared by 8 columns at 100 MS/s and 1 pJ per
    /// conversion: the order of published RRAM/PCM compute-in-memory macros.
    fn default() -> Self {
        ReadTiming { integration_time: 10e-9, adc_conversion_time: 10e-9, columns_per_adc: 8, adc_energy: 1.0 }
    }
}

/// A crossbar simulation.
#[derive(Config, Debug, PartialEq)]
pub struct CrossbarConfig {
    /// aihwkit `MappingParameter.weight_scaling_omega`: the tile stores the weights rescaled so
    /// that max|W| = ω (per tensor, or per output column with `weight_scaling_columnwise`), and
    /// the inverse scale multiplies the output digitally (aihwkit's `out_scaling_alpha`). 0
    /// stores the weights as given (aihwkit's `InferenceRPUConfig` default), so the ADC range
    /// and bound management act on `W·x'` in the user's units. 1 (this crate's default) maps
    /// max|W| onto the full range whatever the weights' scale.
    #[config(default = 1.0)]
    pub weight_scaling_omega: f32,
    /// aihwkit `MappingParameter.weight_scaling_columnwise`: rescale each output column on its
    /// own (only with `weight_scaling_omega > 0`).
    #[config(default = false)]
    pub weight_scaling_columnwise: bool,
    /// Crossbar rows (inputs) per tile; larger matrices are split and tile outputs summed
    /// digitally.
    #[config(default = 256)]
    pub tile_rows: usize,
    /// Crossbar columns (outputs) per tile (at most 1024).
    #[config(default = 256)]
    pub tile_cols: usize,
    /// Conductance range of a device of the differential pair, µS.
    #[config(default = 1.0)]
    pub g_min: f32,
    /// Upper end of the conductance range, µS.
    #[config(default = 40.0)]
    pub g_max: f32,
    /// DAC resolution: `2^bits − 2` steps over `±input_bound` (aihwkit: 7 bits, Δin = 1/63).
    /// `None`: no input quantization.
    #[config(default = "Some(7)")]
    pub input_bits: Option<u32>,
    /// DAC input range: inputs are clipped to `±input_bound` after noise management.
    #[config(default = 1.0)]
    pub input_bound: f32,
    /// ADC resolution over `±output_bound` (aihwkit: 9 bits over ±12).
    #[config(default = "Some(9)")]
    pub output_bits: Option<u32>,
    /// ADC output range: outputs saturate at `±output_bound`.
    #[config(default = 12.0)]
    pub output_bound: f32,
    /// How inputs are scaled before the DAC.
    #[config(default = "NoiseManagement::AbsMax")]
    pub noise_management: NoiseManagement,
    /// How saturated outputs are retried.
    #[config(default = "BoundManagement::Iterative { max_factor: 1000.0, max_resolution: 0.25 }")]
    pub bound_management: BoundManagement,
    /// σ of Gaussian noise added to each output before the ADC (aihwkit `out_noise`).
    #[config(default = 0.06)]
    pub output_noise: f32,
    /// Weight read noise on every read.
    #[config(default = "ReadNoise::None")]
    pub read_noise: ReadNoise,
    /// Conductance error when programming.
    #[config(default = "ProgrammingNoise::None")]
    pub programming_noise: ProgrammingNoise,
    /// Persistent device-to-device variation: each device's conductance is multiplied by
    /// `1 + σ·ξ`, drawn once per physical device.
    #[config(default = 0.0)]
    pub device_variation: f32,
    /// Fractions of devices stuck at g_min and at g_max.
    #[config(default = 0.0)]
    pub stuck_at_min: f32,
    /// Fraction of devices stuck at g_max.
    #[config(default = 0.0)]
    pub stuck_at_max: f32,
    /// Programmable conductance levels between g_min and g_max (`None`: continuous).
    #[config(default = "None")]
    pub levels: Option<u32>,
    /// PCM conductance drift over time (`None`: no drift).
    #[config(default = "None")]
    pub drift: Option<Drift>,
    /// IR-drop scale (aihwkit `ir_drop`; 0 = off) and wire-to-device conductance ratio.
    #[config(default = 0.0)]
    pub ir_drop: f32,
    /// Wire-to-device conductance ratio of the IR-drop model.
    #[config(default = 571_428.56)]
    pub ir_drop_g_ratio: f32,
    /// Read voltage at full-scale input, for the power and current traces.
    #[config(default = 0.2)]
    pub read_voltage: f32,
    /// Read duration and converter energy.
    #[config(default = "ReadTiming::default()")]
    pub timing: ReadTiming,
    /// Seed of every random draw (programming, variation, faults, read noise).
    #[config(default = 0)]
    pub seed: u64,
}

fn range(argument: &'static str, value: f32, ok: bool, expected: &str) -> Result<()> {
    if ok && value.is_finite() { Ok(()) } else { Err(NeuroError::Range { argument, value: value.to_string(), expected: expected.into() }) }
}

impl CrossbarConfig {
    /// A perfect crossbar: no quantization, noise or faults (equals a matmul).
    pub fn ideal() -> Self {
        CrossbarConfig::new()
            .with_input_bits(None)
            .with_output_bits(None)
            .with_noise_management(NoiseManagement::None)
            .with_bound_management(BoundManagement::None)
            .with_output_noise(0.0)
    }

    /// aihwkit's `InferenceRPUConfig()`: `IOParameters()` (7-bit DAC over ±1, 9-bit ADC over
    /// ±12, output noise 0.06, AbsMax noise and iterative bound management), its
    /// `MappingParameter` (`weight_scaling_omega = 0`: the weights as given) and the
    /// `PCMLikeNoiseModel` programming noise at g_max = 25 µS, g_min = 0.
    pub fn aihwkit_default() -> Self {
        CrossbarConfig::new()
            .with_weight_scaling_omega(0.0)
            .with_g_min(0.0)
            .with_g_max(25.0)
            .with_programming_noise(ProgrammingNoise::PcmPolynomial(1.0))
    }

    /// A realistic RRAM tile: 1–40 µS, 32 levels, 1 µS programming error, 5% device
    /// variation, 0.5% of devices stuck each way, 8-bit converters, 1% read noise, IR drop.
    pub fn rram() -> Self {
        CrossbarConfig::new()
            .with_input_bits(Some(8))
            .with_output_bits(Some(8))
            .with_output_bound(10.0)
            .with_output_noise(0.04)
            .with_read_noise(ReadNoise::AdditiveConstant(0.01))
            .with_programming_noise(ProgrammingNoise::Constant(1.0))
            .with_device_variation(0.05)
            .with_stuck_at_min(0.005)
            .with_stuck_at_max(0.005)
            .with_levels(Some(32))
            .with_ir_drop(0.1)
    }

    /// Input quantization step Δin (0 when there is no DAC quantization).
    pub fn input_step(&self) -> f32 {
        self.input_bits.map_or(0.0, |b| 2.0 * self.input_bound / ((1u64 << b) - 2) as f32)
    }

    /// Output quantization step Δout (0 when there is no ADC quantization).
    pub fn output_step(&self) -> f32 {
        self.output_bits.map_or(0.0, |b| 2.0 * self.output_bound / ((1u64 << b) - 2) as f32)
    }

    /// Bound management makes another pass (doubling β) only while β is at most this:
    /// `min(max_factor, max_resolution / Δin)`, 15.75 with aihwkit's defaults, so β runs
    /// 1, 2, 4, 8, 16 — at most 5 passes.
    pub fn max_bound_factor(&self) -> f32 {
        match self.bound_management {
            BoundManagement::None => 0.0,
            BoundManagement::Iterative { max_factor, max_resolution } => {
                let step = self.input_step();
                if step > 0.0 { max_factor.min(max_resolution / step) } else { max_factor }
            }
        }
    }

    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        range("weight_scaling_omega", self.weight_scaling_omega, self.weight_scaling_omega >= 0.0, "ω >= 0 (0: weights as given)")?;
        // The kernels hold tile sizes in 32-bit fields.
        if self.tile_rows == 0 || self.tile_rows > u32::MAX as usize {
            return Err(NeuroError::Range { argument: "tile_rows", value: self.tile_rows.to_string(), expected: "1 to 2^32 − 1".into() });
        }
        if self.tile_cols == 0 || self.tile_cols > 1024 {
            return Err(NeuroError::Range { argument: "tile_cols", value: self.tile_cols.to_string(), expected: "1 to 1024".into() });
        }
        range("g_min", self.g_min, self.g_min >= 0.0, "a conductance >= 0 µS")?;
        range("g_max", self.g_max, self.g_max > self.g_min, "a conductance above g_min")?;
        for (argument, bits) in [("input_bits", self.input_bits), ("output_bits", self.output_bits)] {
            if let Some(b) = bits {
                if !(2..=24).contains(&b) {
                    return Err(NeuroError::Range { argument, value: b.to_string(), expected: "2 to 24 bits (None: no quantization)".into() });
                }
            }
        }
        range("input_bound", self.input_bound, self.input_bound > 0.0, "a positive bound")?;
        range("output_bound", self.output_bound, self.output_bound > 0.0, "a positive bound")?;
        if let NoiseManagement::Constant(c) = self.noise_management {
            range("noise_management", c, c > 0.0, "a positive constant")?;
        }
        if let BoundManagement::Iterative { max_factor, max_resolution } = self.bound_management {
            range("bound_management", max_factor, max_factor >= 1.0, "max_factor >= 1")?;
            range("bound_management", max_resolution, max_resolution > 0.0, "max_resolution > 0")?;
        }
        range("output_noise", self.output_noise, self.output_noise >= 0.0, "a standard deviation >= 0")?;
        match self.read_noise {
            ReadNoise::AdditiveConstant(s) | ReadNoise::PcmRead(s) => range("read_noise", s, s >= 0.0, "a standard deviation >= 0")?,
            ReadNoise::None => {}
        }
        match self.programming_noise {
            ProgrammingNoise::Constant(s) | ProgrammingNoise::PcmPolynomial(s) => {
                range("programming_noise", s, s >= 0.0, "a standard deviation (or scale) >= 0")?
            }
            ProgrammingNoise::None => {}
        }
        range("device_variation", self.device_variation, self.device_variation >= 0.0, "a standard deviation >= 0")?;
        range("stuck_at_min", self.stuck_at_min, (0.0..=1.0).contains(&self.stuck_at_min), "a fraction in [0, 1]")?;
        range("stuck_at_max", self.stuck_at_max, (0.0..=1.0).contains(&self.stuck_at_max), "a fraction in [0, 1]")?;
        let stuck = self.stuck_at_min + self.stuck_at_max;
        range("stuck_at_max", stuck, stuck <= 1.0, "stuck_at_min + stuck_at_max <= 1")?;
        if let Some(levels) = self.levels {
            if levels < 2 {
                return Err(NeuroError::Range { argument: "levels", value: levels.to_string(), expected: "at least 2 (None: continuous)".into() });
            }
        }
        if let Some(drift) = self.drift {
            range("drift", drift.t0, drift.t0 > 0.0, "t0 > 0 s")?;
            range("drift", drift.time, drift.time >= 0.0, "time >= 0 s")?;
            range("drift", drift.scale, drift.scale >= 0.0, "scale >= 0")?;
        }
        range("ir_drop", self.ir_drop, self.ir_drop >= 0.0, "a scale >= 0")?;
        range("ir_drop_g_ratio", self.ir_drop_g_ratio, self.ir_drop_g_ratio > 0.0, "a ratio > 0")?;
        range("read_voltage", self.read_voltage, self.read_voltage > 0.0, "a voltage > 0")?;
        let t = &self.timing;
        range("timing", t.integration_time, t.integration_time > 0.0, "integration_time > 0 s")?;
        range("timing", t.adc_conversion_time, t.adc_conversion_time >= 0.0, "adc_conversion_time >= 0 s")?;
        range("timing", t.adc_energy, t.adc_energy >= 0.0, "adc_energy >= 0 pJ")?;
        if t.columns_per_adc == 0 {
            return Err(NeuroError::Range { argument: "timing", value: "0".into(), expected: "columns_per_adc >= 1".into() });
        }
        Ok(())
    }
}
