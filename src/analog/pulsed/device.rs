//! Pulsed device models with aihwkit's names, parameters and formulas (IBM aihwkit
//! `simulator/configs/devices.py` and `rpucuda/rpu_*_device.cpp`).
//!
//! A device holds a weight `w`. An *up* pulse raises it by a step that depends on `w`, the
//! device's own parameters and the model; a *down* pulse lowers it. After every pulse the weight
//! is clipped to the device's own bounds. Device-to-device spreads (`*_dtod`) are drawn once per
//! device; cycle-to-cycle noise (`dw_min_std`) once per pulse; write noise (`write_noise_std`,
//! in units of `dw_min`) separates the weight the device holds from the weight a read sees.

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::error::{NeuroError, Result};

/// How one pulse changes a device's weight (`s` is the device's step, `ξ` a fresh normal,
/// `σ = dw_min_std`, `[b_min, b_max]` the device's bounds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum StepModel {
    /// A constant step: `w ± s·(1 + σξ)` (aihwkit `ConstantStepDevice`).
    ConstantStep,
    /// A step that shrinks linearly towards the bound it moves to:
    /// up `s_up·(1 − γ_up·w/w_max)`, down `s_dn·(1 − γ_dn·w/w_min)` (aihwkit `LinearStepDevice`).
    LinearStep {
        /// Relative step decrease at the upper bound.
        gamma_up: f32,
        /// Relative step decrease at the lower bound.
        gamma_down: f32,
        /// Device-to-device spread of `gamma_up` (additive).
        gamma_up_dtod: f32,
        /// Device-to-device spread of `gamma_down` (additive).
        gamma_down_dtod: f32,
        /// Let a negative γ make steps grow towards the bound (otherwise |γ| is used).
        allow_increasing: bool,
        /// Divide by the mean bounds `w_max`/`w_min` (true) or by each device's own bounds.
        mean_bound_reference: bool,
        /// Multiplicative cycle-to-cycle noise (true) or additive `s·σξ`.
        mult_noise: bool,
    },
    /// Soft bounds: up `s_up·(1 − w/b_max)`, down `s_dn·(1 − w/b_min)` with the device's own
    /// bounds (aihwkit `SoftBoundsDevice`; with `mult_noise = false` also
    /// `SoftBoundsReferenceDevice` without reference offsets, the model of `ReRamSB`).
    SoftBounds {
        /// Multiplicative cycle-to-cycle noise (true) or additive `s·σξ` (not damped near a bound).
        mult_noise: bool,
    },
    /// An exponential step (aihwkit `ExpStepDevice`): with `z = 2·a·w/(b_max − b_min) + b`,
    /// up `s_up·max(1 − A_up·e^{γ_up·z}, 0)`, down `s_dn·max(1 − A_down·e^{−γ_down·z}, 0)`.
    ExpStep {
        /// aihwkit `A_up`.
        a_up: f32,
        /// aihwkit `A_down`.
        a_down: f32,
        /// aihwkit `gamma_up`.
        gamma_up: f32,
        /// aihwkit `gamma_down`.
        gamma_down: f32,
        /// aihwkit `a`.
        a: f32,
        /// aihwkit `b`.
        b: f32,
        /// With `dw_min_std_slope` or this non-zero the noise is additive:
        /// `σ·(|Δw| + dw_min_std_add + dw_min_std_slope·|w|)·ξ`.
        dw_min_std_add: f32,
        /// See `dw_min_std_add`.
        dw_min_std_slope: f32,
    },
    /// A power-law step (aihwkit `PowStepDevice`): up `s_up·((b_max − w)/range)^γ_up`, down
    /// `s_dn·((w − b_min)/range)^γ_dn`, with the exponents spread like the steps.
    PowStep {
        /// aihwkit `pow_gamma`.
        gamma: f32,
        /// aihwkit `pow_gamma_dtod` (relative).
        gamma_dtod: f32,
        /// aihwkit `pow_up_down`: asymmetry of the exponents.
        up_down: f32,
        /// aihwkit `pow_up_down_dtod`.
        up_down_dtod: f32,
    },
}

impl StepModel {
    /// The kernel's code for this model (`MODEL_*` in `shaders/pulsed_update.wgsl`).
    pub fn code(&self) -> u32 {
        match self {
            StepModel::ConstantStep => MODEL_CONSTANT_STEP,
            StepModel::LinearStep { .. } | StepModel::SoftBounds { .. } => MODEL_LINEAR_STEP,
            StepModel::ExpStep { .. } => MODEL_EXP_STEP,
            StepModel::PowStep { .. } => MODEL_POW_STEP,
        }
    }
}

/// Kernel code of [`StepModel::ConstantStep`].
pub const MODEL_CONSTANT_STEP: u32 = 0;
/// Kernel code of [`StepModel::LinearStep`] and [`StepModel::SoftBounds`] (soft bounds are a
/// linear step with γ = 1 against the device's own bounds).
pub const MODEL_LINEAR_STEP: u32 = 1;
/// Kernel code of [`StepModel::ExpStep`].
pub const MODEL_EXP_STEP: u32 = 2;
/// Kernel code of [`StepModel::PowStep`].
pub const MODEL_POW_STEP: u32 = 3;

/// A pulsed memristive device: its model and aihwkit's `PulsedDevice` parameters.
#[derive(Config, Debug, PartialEq)]
pub struct PulsedDevice {
    /// How a pulse changes the weight.
    pub model: StepModel,
    /// Mean step of one pulse, in weight units (aihwkit `dw_min`).
    #[config(default = 0.001)]
    pub dw_min: f32,
    /// Up/down asymmetry: `> 0` makes down steps `(1 − up_down)` times smaller, `< 0` up steps.
    #[config(default = 0.0)]
    pub up_down: f32,
    /// Upper weight bound (mean over devices).
    #[config(default = 0.6)]
    pub w_max: f32,
    /// Lower weight bound (mean over devices).
    #[config(default = -0.6)]
    pub w_min: f32,
    /// Device-to-device spread of the step, relative (aihwkit `dw_min_dtod`).
    #[config(default = 0.3)]
    pub dw_min_dtod: f32,
    /// Draw the step gain log-normally (`e^{σξ}`) instead of `1 + σξ`.
    #[config(default = false)]
    pub dw_min_dtod_log_normal: bool,
    /// Device-to-device spread of the up/down asymmetry, in units of `dw_min`.
    #[config(default = 0.01)]
    pub up_down_dtod: f32,
    /// Device-to-device spread of `w_max`, relative.
    #[config(default = 0.3)]
    pub w_max_dtod: f32,
    /// Device-to-device spread of `w_min`, relative.
    #[config(default = 0.3)]
    pub w_min_dtod: f32,
    /// Cycle-to-cycle noise of each pulse, relative to its step (aihwkit `dw_min_std`).
    #[config(default = 0.3)]
    pub dw_min_std: f32,
    /// Write noise in units of `dw_min`: after a write, reads see `w + write_noise_std·dw_min·ξ`
    /// (accepted for every model; aihwkit's ConstantStep refuses it).
    #[config(default = 0.0)]
    pub write_noise_std: f32,
    /// Redraw the write noise of every device when the weights are programmed.
    #[config(default = true)]
    pub apply_write_noise_on_set: bool,
}

fn range(argument: &'static str, value: f32, ok: bool, expected: &str) -> Result<()> {
    if ok && value.is_finite() { Ok(()) } else { Err(NeuroError::Range { argument, value: value.to_string(), expected: expected.into() }) }
}

impl PulsedDevice {
    /// aihwkit's `ConstantStepDevice()` with its default spreads.
    pub fn constant_step() -> Self {
        PulsedDevice::new(StepModel::ConstantStep)
    }

    /// aihwkit's `LinearStepDevice()` defaults (γ = 0, γ spread 0.05).
    pub fn linear_step() -> Self {
        PulsedDevice::new(StepModel::LinearStep {
            gamma_up: 0.0,
            gamma_down: 0.0,
            gamma_up_dtod: 0.05,
            gamma_down_dtod: 0.05,
            allow_increasing: false,
            mean_bound_reference: true,
            mult_noise: true,
        })
    }

    /// aihwkit's `SoftBoundsDevice()` defaults.
    pub fn soft_bounds() -> Self {
        PulsedDevice::new(StepModel::SoftBounds { mult_noise: true })
    }

    /// aihwkit's `ExpStepDevice()` defaults.
    pub fn exp_step() -> Self {
        PulsedDevice::new(StepModel::ExpStep {
            a_up: 0.00081,
            a_down: 0.36833,
            gamma_up: 12.44625,
            gamma_down: 12.78785,
            a: 0.244,
            b: 0.2425,
            dw_min_std_add: 0.0,
            dw_min_std_slope: 0.0,
        })
    }

    /// aihwkit's `PowStepDevice()` defaults.
    pub fn pow_step() -> Self {
        PulsedDevice::new(StepModel::PowStep { gamma: 1.0, gamma_dtod: 0.1, up_down: 0.0, up_down_dtod: 0.0 })
    }

    /// aihwkit's `ReRamESPresetDevice`: an exponential-step ReRAM fit (HfO₂, Gong et al. 2018).
    pub fn reram_es() -> Self {
        PulsedDevice::new(StepModel::ExpStep {
            a_up: -1.18445,
            a_down: -0.081404,
            gamma_up: 5.0,
            gamma_down: 5.0,
            a: -0.5,
            b: -0.5,
            dw_min_std_add: 0.0,
            dw_min_std_slope: 0.0,
        })
        .with_dw_min(0.00135)
        .with_up_down(0.259359)
        .with_w_max(1.0)
        .with_w_min(-1.0)
        .with_dw_min_dtod(0.2)
        .with_up_down_dtod(0.05)
        .with_w_max_dtod(0.3)
        .with_w_min_dtod(0.3)
        .with_dw_min_std(5.0)
        .with_write_noise_std(75.0)
    }

    /// aihwkit's `ReRamSBPresetDevice`: a soft-bounds ReRAM fit with additive pulse noise.
    pub fn reram_sb() -> Self {
        PulsedDevice::new(StepModel::SoftBounds { mult_noise: false })
            .with_dw_min(0.002)
            .with_up_down(0.0)
            .with_w_max(1.25)
            .with_w_min(-0.75)
            .with_dw_min_dtod(0.3)
            .with_up_down_dtod(0.01)
            .with_w_max_dtod(0.3 / 1.25)
            .with_w_min_dtod(0.3 / 0.75)
            .with_dw_min_std(3.75)
            .with_write_noise_std(56.0)
    }

    /// aihwkit's `GokmenVlasovPresetDevice`: the constant-step device of Gokmen & Vlasov 2016.
    pub fn gokmen_vlasov() -> Self {
        PulsedDevice::new(StepModel::ConstantStep)
            .with_dw_min(0.0016)
            .with_dw_min_dtod(0.3)
            .with_dw_min_std(0.3)
            .with_up_down(0.0)
            .with_up_down_dtod(0.01)
            .with_w_max(1.0)
            .with_w_min(-1.0)
            .with_w_max_dtod(0.3)
            .with_w_min_dtod(0.3)
    }

    /// aihwkit's `IdealizedPresetDevice`: a constant step ten times finer than Gokmen–Vlasov.
    pub fn idealized() -> Self {
        PulsedDevice::gokmen_vlasov().with_dw_min(0.0002).with_up_down_dtod(0.0)
    }

    /// aihwkit's `EcRamPresetDevice`: a linear-step electrochemical RAM fit.
    pub fn ecram() -> Self {
        PulsedDevice::new(StepModel::LinearStep {
            gamma_up: 0.1153,
            gamma_down: 0.5085,
            gamma_up_dtod: 0.05,
            gamma_down_dtod: 0.05,
            allow_increasing: false,
            mean_bound_reference: true,
            mult_noise: true,
        })
        .with_dw_min(0.002)
        .with_w_max(1.1724)
        .with_w_min(-0.8276)
        .with_dw_min_dtod(0.1)
        .with_up_down_dtod(0.01)
        .with_w_max_dtod(0.05)
        .with_w_min_dtod(0.05)
        .with_dw_min_std(0.3)
    }

    /// The preset named `name` (`reram-es`, `reram-sb`, `gokmen-vlasov`, `idealized`, `ecram`,
    /// or a model's defaults: `constant-step`, `linear-step`, `soft-bounds`, `exp-step`,
    /// `pow-step`).
    pub fn preset(name: &str) -> Result<Self> {
        Ok(match name {
            "reram-es" => Self::reram_es(),
            "reram-sb" => Self::reram_sb(),
            "gokmen-vlasov" => Self::gokmen_vlasov(),
            "idealized" => Self::idealized(),
            "ecram" => Self::ecram(),
            "constant-step" => Self::constant_step(),
            "linear-step" => Self::linear_step(),
            "soft-bounds" => Self::soft_bounds(),
            "exp-step" => Self::exp_step(),
            "pow-step" => Self::pow_step(),
            other => {
                return Err(NeuroError::Range { argument: "device", value: other.into(), expected: format!("one of {}", Self::PRESETS.join(", ")) });
            }
        })
    }

    /// The names [`preset`](Self::preset) accepts.
    pub const PRESETS: [&'static str; 10] =
        ["reram-es", "reram-sb", "gokmen-vlasov", "idealized", "ecram", "constant-step", "linear-step", "soft-bounds", "exp-step", "pow-step"];

    /// The device with every spread and noise off: each pulse is deterministic.
    pub fn without_noise(self) -> Self {
        let mut device = self
            .with_dw_min_dtod(0.0)
            .with_up_down_dtod(0.0)
            .with_w_max_dtod(0.0)
            .with_w_min_dtod(0.0)
            .with_dw_min_std(0.0)
            .with_write_noise_std(0.0);
        match &mut device.model {
            StepModel::LinearStep { gamma_up_dtod, gamma_down_dtod, .. } => (*gamma_up_dtod, *gamma_down_dtod) = (0.0, 0.0),
            StepModel::PowStep { gamma_dtod, up_down_dtod, .. } => (*gamma_dtod, *up_down_dtod) = (0.0, 0.0),
            _ => {}
        }
        device
    }

    /// The weight change of one mean pulse at w = 0 (aihwkit's weight granularity, the default
    /// threshold ε of mixed-precision training). aihwkit's ExpStep formula averages the down
    /// step with itself; so does this one, to keep the same ε.
    pub fn granularity(&self) -> f32 {
        let down_bias = -self.up_down.max(0.0);
        match self.model {
            StepModel::PowStep { gamma, .. } => self.dw_min * 0.5f32.powf(gamma),
            StepModel::ExpStep { a_down, gamma_down, b, .. } => {
                let scale_down = (down_bias + 1.0) * self.dw_min;
                let z = b; // w = 0
                let dw_down = scale_down * (1.0 - a_down * (gamma_down * -z).exp()).max(0.0);
                if dw_down > 0.0 { dw_down } else { self.dw_min }
            }
            _ => self.dw_min,
        }
    }

    /// Checks every parameter (finite, spreads and noise ≥ 0, `w_min ≤ 0 ≤ w_max`, `dw_min > 0`).
    pub fn validate(&self) -> Result<()> {
        range("dw_min", self.dw_min, self.dw_min > 0.0, "a step > 0")?;
        range("up_down", self.up_down, self.up_down.abs() < 1.0, "an asymmetry in (-1, 1)")?;
        range("w_max", self.w_max, self.w_max >= 0.0, "an upper bound >= 0 (the interval must contain 0)")?;
        range("w_min", self.w_min, self.w_min <= 0.0 && self.w_min < self.w_max, "a lower bound <= 0 and below w_max")?;
        for (argument, value) in [
            ("dw_min_dtod", self.dw_min_dtod),
            ("up_down_dtod", self.up_down_dtod),
            ("w_max_dtod", self.w_max_dtod),
            ("w_min_dtod", self.w_min_dtod),
            ("dw_min_std", self.dw_min_std),
            ("write_noise_std", self.write_noise_std),
        ] {
            range(argument, value, value >= 0.0, "a spread >= 0")?;
        }
        match self.model {
            StepModel::ConstantStep | StepModel::SoftBounds { .. } => Ok(()),
            StepModel::LinearStep { gamma_up, gamma_down, gamma_up_dtod, gamma_down_dtod, .. } => {
                range("gamma_up", gamma_up, true, "a finite number")?;
                range("gamma_down", gamma_down, true, "a finite number")?;
                range("gamma_up_dtod", gamma_up_dtod, gamma_up_dtod >= 0.0, "a spread >= 0")?;
                range("gamma_down_dtod", gamma_down_dtod, gamma_down_dtod >= 0.0, "a spread >= 0")
            }
            StepModel::ExpStep { a_up, a_down, gamma_up, gamma_down, a, b, dw_min_std_add, dw_min_std_slope } => {
                for (argument, value) in [("A_up", a_up), ("A_down", a_down), ("gamma_up", gamma_up), ("gamma_down", gamma_down), ("a", a), ("b", b)]
                {
                    range(argument, value, true, "a finite number")?;
                }
                range("dw_min_std_add", dw_min_std_add, dw_min_std_add >= 0.0, "a spread >= 0")?;
                range("dw_min_std_slope", dw_min_std_slope, dw_min_std_slope >= 0.0, "a spread >= 0")
            }
            StepModel::PowStep { gamma, gamma_dtod, up_down, up_down_dtod } => {
                range("pow_gamma", gamma, gamma > 0.0, "an exponent > 0")?;
                range("pow_gamma_dtod", gamma_dtod, gamma_dtod >= 0.0, "a spread >= 0")?;
                range("pow_up_down", up_down, up_down.abs() < 1.0, "an asymmetry in (-1, 1)")?;
                range("pow_up_down_dtod", up_down_dtod, up_down_dtod >= 0.0, "a spread >= 0")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granularity_matches_aihwkit() {
        assert!((PulsedDevice::exp_step().granularity() - 0.000_983_42).abs() < 1e-8);
        assert!((PulsedDevice::reram_es().granularity() - 0.001_991_44).abs() < 1e-8);
        assert_eq!(PulsedDevice::reram_sb().granularity(), 0.002);
        assert!((PulsedDevice::pow_step().with_dw_min(0.05).granularity() - 0.025).abs() < 1e-7);
    }

    #[test]
    fn presets_validate_and_bad_values_name_their_argument() {
        for name in PulsedDevice::PRESETS {
            PulsedDevice::preset(name).unwrap().validate().unwrap();
        }
        let error = PulsedDevice::constant_step().with_w_min(0.2).validate().unwrap_err();
        assert!(error.to_string().contains("w_min"), "{error}");
        let error = PulsedDevice::preset("pcm-x").unwrap_err();
        assert!(error.to_string().contains("reram-sb"), "{error}");
    }
}
