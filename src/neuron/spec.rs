//! The build-time choices of a LIF-family neuron (reset, delay, surrogate, quantizer, saved
//! state), shared by the WGSL kernels, the CPU reference and the public ops.

use serde::{Deserialize, Serialize};

use crate::error::{NeuroError, Result};

/// How the membrane is reset after a spike (snnTorch's `reset_mechanism`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ResetMode {
    /// `U[t] = β·U[t-1] + X[t] − R[t]·θ` (snnTorch's default).
    #[default]
    Subtract,
    /// `U[t] = β·(1 − R[t])·U[t-1] + X[t]`: the old membrane is zeroed before integrating
    /// (snnTorch's `Leaky` zero reset).
    ///
    /// In the [`snn`](crate::snn) modules `Zero` means snnTorch's `reset_mechanism="zero"` of
    /// the class of the same name, whatever formula that class uses: `Leaky` this one;
    /// `Synaptic`, `RLeaky`, `RSynaptic` and `Lapicque` [`ZeroAll`](Self::ZeroAll); `Alpha`
    /// clears all three of its states. A port keeps the word snnTorch used and gets its numbers.
    Zero,
    /// `U[t] = β·U[t-1] + X[t]`: no reset.
    None,
    /// `U[t] = (1 − R[t])·(β·U[t-1] + X[t])`: the whole new potential is zeroed, so a reset
    /// step ends at exactly 0 (snnTorch's `Synaptic`, `Lapicque`, `RLeaky` and `RSynaptic` zero
    /// reset; for `Synaptic` the current is kept, as there).
    ZeroAll,
}

impl ResetMode {
    /// Every mode.
    pub const ALL: [ResetMode; 4] = [ResetMode::Subtract, ResetMode::Zero, ResetMode::None, ResetMode::ZeroAll];

    /// The name of this mode's code constant in the WGSL kernels.
    fn wgsl_name(self) -> &'static str {
        match self {
            ResetMode::Subtract => "RESET_SUBTRACT",
            ResetMode::Zero => "RESET_ZERO",
            ResetMode::None => "RESET_NONE",
            ResetMode::ZeroAll => "RESET_ZERO_ALL",
        }
    }

    /// The code the WGSL kernels use for this mode.
    pub(crate) fn shader_code(self) -> u32 {
        match self {
            ResetMode::Subtract => 0,
            ResetMode::Zero => 1,
            ResetMode::None => 2,
            ResetMode::ZeroAll => 3,
        }
    }
}

/// What the fused forward keeps for the backward pass when autodiff tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum SavedState {
    /// The stored outputs themselves (spikes and states in the storage dtype): the backward
    /// sees exactly what the forward returned.
    #[default]
    Full,
    /// Memory-light BPTT: the forward also writes spikes bit-packed along time (1 bit per step)
    /// and every state as f16 (2 bytes per step), and autodiff keeps only that: 2.1 bytes per
    /// neuron-step for a `Leaky` instead of its full outputs (8 bytes in f32). Gradients are
    /// those of the f16-rounded states: spikes and delayed resets stay exact, an immediate
    /// reset is re-thresholded from the f16 membrane. States must stay within f16's range
    /// (|U| < 65,504). The returned spikes get their own buffer (see `ops::lif`); a next layer
    /// that keeps them densely for its own backward holds that buffer — feed them to a binary
    /// spike propagation (`PropagateOptions::binary`), which keeps them as bits.
    Compact,
}

/// Surrogate gradient of the Heaviside spike, as coded in snnTorch's `surrogate.py`. A
/// surrogate of your own: [`CustomSurrogate`](crate::neuron::CustomSurrogate).
///
/// The forward pass is always `S = (U − θ > 0)`; the surrogate only shapes the backward pass.
/// Every formula takes `x = U − θ`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Surrogate {
    /// `(α/2) / (1 + (π/2·α·x)²)`; snnTorch's default with α = 2.
    Atan {
        /// Sharpness α.
        alpha: f32,
    },
    /// `1 / (k·|x| + 1)²`, default k = 25.
    FastSigmoid {
        /// Slope k.
        slope: f32,
    },
    /// `k·σ(kx)·(1 − σ(kx))`, default k = 25.
    Sigmoid {
        /// Slope k.
        slope: f32,
    },
    /// `1` everywhere.
    StraightThrough,
    /// `k·exp(−β·|x − 1|)` (centred at x = 1, as snnTorch codes it), defaults β = 1, k = 25.
    SpikeRateEscape {
        /// Decay β of the exponential.
        beta: f32,
        /// Scale k.
        slope: f32,
    },
    /// SFS: `1 / (k·|x| + 1)²` where `x > B`, else 0; defaults k = 25, B = 1.
    Sfs {
        /// Slope k.
        slope: f32,
        /// Bound B below which the gradient is zero.
        bound: f32,
    },
}

impl Default for Surrogate {
    fn default() -> Self {
        Surrogate::atan()
    }
}

impl Surrogate {
    /// `atan` with snnTorch's default α = 2 (another: `Surrogate::Atan { alpha }`).
    pub fn atan() -> Self {
        Surrogate::Atan { alpha: 2.0 }
    }
    /// `fast_sigmoid` with snnTorch's default slope 25 (snnTorch's `fast_sigmoid(slope=k)` is
    /// `Surrogate::FastSigmoid { slope: k }`).
    pub fn fast_sigmoid() -> Self {
        Surrogate::FastSigmoid { slope: 25.0 }
    }
    /// `sigmoid` with snnTorch's default slope 25 (another: `Surrogate::Sigmoid { slope }`).
    pub fn sigmoid() -> Self {
        Surrogate::Sigmoid { slope: 25.0 }
    }
    /// `straight_through_estimator`.
    pub fn straight_through() -> Self {
        Surrogate::StraightThrough
    }
    /// `spike_rate_escape` with snnTorch's defaults β = 1, slope 25 (others:
    /// `Surrogate::SpikeRateEscape { beta, slope }`).
    pub fn spike_rate_escape() -> Self {
        Surrogate::SpikeRateEscape { beta: 1.0, slope: 25.0 }
    }

    /// SFS with snnTorch's defaults slope 25, B = 1 (others: `Surrogate::Sfs { slope, bound }`).
    pub fn sfs() -> Self {
        Surrogate::Sfs { slope: 25.0, bound: 1.0 }
    }

    /// Every variant, with default parameters (used by tests and shader validation).
    pub fn all_defaults() -> [Surrogate; 6] {
        [
            Surrogate::atan(),
            Surrogate::fast_sigmoid(),
            Surrogate::sigmoid(),
            Surrogate::straight_through(),
            Surrogate::spike_rate_escape(),
            Surrogate::sfs(),
        ]
    }

    /// dS/dx at `x = U − θ`, in f32 with the same operation order as the WGSL kernel.
    pub fn grad(self, x: f32) -> f32 {
        let (a, b) = self.parameters();
        match self {
            Surrogate::Atan { .. } => {
                let z = std::f32::consts::FRAC_PI_2 * a * x;
                (a * 0.5) / (1.0 + z * z)
            }
            Surrogate::FastSigmoid { .. } => {
                let d = a * x.abs() + 1.0;
                1.0 / (d * d)
            }
            Surrogate::Sigmoid { .. } => {
                // Symmetric form: never overflows, and keeps precision far from the threshold.
                let e = (-a * x.abs()).exp();
                a * e / ((1.0 + e) * (1.0 + e))
            }
            Surrogate::StraightThrough => 1.0,
            Surrogate::SpikeRateEscape { .. } => a * (-b * (x - 1.0).abs()).exp(),
            Surrogate::Sfs { .. } => {
                if x > b {
                    let d = a * x.abs() + 1.0;
                    1.0 / (d * d)
                } else {
                    0.0
                }
            }
        }
    }

    /// The two numbers the kernel reads from its parameter block.
    pub(crate) fn parameters(self) -> (f32, f32) {
        match self {
            Surrogate::Atan { alpha } => (alpha, 0.0),
            Surrogate::FastSigmoid { slope } | Surrogate::Sigmoid { slope } => (slope, 0.0),
            Surrogate::StraightThrough => (0.0, 0.0),
            Surrogate::SpikeRateEscape { beta, slope } => (slope, beta),
            Surrogate::Sfs { slope, bound } => (slope, bound),
        }
    }

    /// The code the WGSL kernels branch on (`SURROGATE`); also part of the kernel cache id.
    pub(crate) fn shader_code(self) -> u32 {
        match self {
            Surrogate::Atan { .. } => 0,
            Surrogate::FastSigmoid { .. } => 1,
            Surrogate::Sigmoid { .. } => 2,
            Surrogate::StraightThrough => 3,
            Surrogate::SpikeRateEscape { .. } => 4,
            Surrogate::Sfs { .. } => 5,
        }
    }

    /// The name of this surrogate's code constant in the WGSL kernels (SFS is the fallback
    /// branch and needs none).
    fn wgsl_name(self) -> &'static str {
        match self {
            Surrogate::Atan { .. } => "SURROGATE_ATAN",
            Surrogate::FastSigmoid { .. } => "SURROGATE_FAST_SIGMOID",
            Surrogate::Sigmoid { .. } => "SURROGATE_SIGMOID",
            Surrogate::StraightThrough => "SURROGATE_STRAIGHT_THROUGH",
            Surrogate::SpikeRateEscape { .. } => "SURROGATE_SPIKE_RATE_ESCAPE",
            Surrogate::Sfs { .. } => "SURROGATE_SFS",
        }
    }

    /// Rejects non-finite or non-positive parameters.
    pub fn validate(self) -> Result<()> {
        let (a, b) = self.parameters();
        let ok = match self {
            Surrogate::StraightThrough => true,
            Surrogate::SpikeRateEscape { .. } => a.is_finite() && a > 0.0 && b.is_finite() && b >= 0.0,
            Surrogate::Sfs { .. } => a.is_finite() && a > 0.0 && b.is_finite(),
            _ => a.is_finite() && a > 0.0,
        };
        if ok {
            Ok(())
        } else {
            Err(NeuroError::Range { argument: "surrogate", value: format!("{self:?}"), expected: "finite parameters, slope/alpha > 0".into() })
        }
    }
}

/// Everything about a LIF layer that is fixed at kernel-build time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LifSpec {
    /// Reset mechanism.
    pub reset: ResetMode,
    /// `true` (snnTorch's default): the returned membrane is the pre-reset potential and the
    /// reset lands on the next step. `false`: the reset is applied in the same step.
    pub reset_delay: bool,
    /// Surrogate gradient used by the backward pass.
    pub surrogate: Surrogate,
    /// Quantize the state after every update (snnTorch's `state_quant`: the membrane, and the
    /// synaptic currents of `Synaptic` and `Alpha` neurons); `None` keeps it continuous. A
    /// runtime parameter of the kernels, not a separate variant.
    #[serde(default)]
    pub state_quant: Option<StateQuant>,
    /// What autodiff keeps between forward and backward.
    #[serde(default)]
    pub saved_state: SavedState,
}

/// snnTorch's uniform `state_quant`: after each update the membrane snaps to the nearest of
/// `levels` evenly spaced values on `[lower, upper]` (values outside go to the end levels; a
/// value exactly between two levels takes the lower one, as torch's `min` does). The backward
/// is straight-through: dq/dU = 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StateQuant {
    /// Number of levels (2 to 2^24).
    pub levels: u32,
    /// Lowest level.
    pub lower: f32,
    /// Highest level.
    pub upper: f32,
}

impl StateQuant {
    /// `state_quant(num_bits, uniform=True, threshold, lower_limit, upper_limit)`:
    /// `2^num_bits` levels over `[−θ(1 + lower_limit), θ(1 + upper_limit)]`.
    pub fn snntorch(num_bits: u32, threshold: f32, lower_limit: f32, upper_limit: f32) -> Result<Self> {
        if !(1..=24).contains(&num_bits) {
            return Err(NeuroError::Range { argument: "num_bits", value: num_bits.to_string(), expected: "1 to 24 bits".into() });
        }
        let quant = StateQuant { levels: 1 << num_bits, lower: -threshold * (1.0 + lower_limit), upper: threshold * (1.0 + upper_limit) };
        quant.validate()?;
        Ok(quant)
    }

    /// snnTorch's defaults: 8 bits, θ = 1, limits 0 and 0.2 (256 levels on [−1, 1.2]).
    pub fn snntorch_default() -> Self {
        StateQuant { levels: 256, lower: -1.0, upper: 1.2 }
    }

    /// Rejects fewer than two levels or an empty, non-finite range.
    pub fn validate(&self) -> Result<()> {
        if self.levels < 2 || self.levels > 1 << 24 {
            return Err(NeuroError::Range { argument: "state_quant.levels", value: self.levels.to_string(), expected: "2 to 2^24 levels".into() });
        }
        if !(self.lower.is_finite() && self.upper.is_finite() && self.lower < self.upper) {
            return Err(NeuroError::Range {
                argument: "state_quant",
                value: format!("[{}, {}]", self.lower, self.upper),
                expected: "a finite range with lower < upper".into(),
            });
        }
        Ok(())
    }

    /// Distance between levels, and its reciprocal (the kernels multiply by it rather than
    /// divide, so they round exactly like this reference).
    pub fn step(&self) -> (f32, f32) {
        let step = (self.upper - self.lower) / (self.levels - 1) as f32;
        (step, 1.0 / step)
    }

    /// The executable spec of the kernels' quantizer; NaN stays NaN.
    pub fn apply(&self, value: f32) -> f32 {
        if value.is_nan() {
            return value;
        }
        let (step, inv_step) = self.step();
        let index = ((value - self.lower) * inv_step - 0.5).ceil().clamp(0.0, (self.levels - 1) as f32);
        self.lower + index * step
    }
}

impl Default for LifSpec {
    /// snnTorch's defaults, as every neuron config has them (a delayed reset).
    fn default() -> Self {
        LifSpec::snntorch_default()
    }
}

impl LifSpec {
    /// snnTorch's `Leaky` defaults: subtract reset, delayed, atan surrogate.
    pub fn snntorch_default() -> Self {
        LifSpec { reset: ResetMode::Subtract, reset_delay: true, surrogate: Surrogate::atan(), state_quant: None, saved_state: SavedState::Full }
    }

    /// Every combination of reset mode, delay and surrogate kind (defaults for parameters).
    pub fn all_variants() -> Vec<LifSpec> {
        let mut all = Vec::new();
        for reset in [ResetMode::Subtract, ResetMode::Zero, ResetMode::None, ResetMode::ZeroAll] {
            for reset_delay in [true, false] {
                for surrogate in Surrogate::all_defaults() {
                    all.push(LifSpec { reset, reset_delay, surrogate, state_quant: None, saved_state: SavedState::Full });
                }
            }
        }
        all
    }

    /// Rejects a surrogate or a state quantizer with invalid parameters.
    pub fn validate(&self) -> Result<()> {
        self.surrogate.validate()?;
        match &self.state_quant {
            Some(quant) => quant.validate(),
            None => Ok(()),
        }
    }

    /// Whether the backward pass needs the input current (only an immediate reset does: the
    /// pre-reset potential can't be recovered from the stored membrane).
    pub fn backward_needs_input(&self) -> bool {
        !self.reset_delay && self.reset != ResetMode::None
    }
}

/// The WGSL constants of every reset and surrogate code, so the kernels branch on names whose
/// values come from [`ResetMode::shader_code`] and [`Surrogate::shader_code`].
pub(crate) fn wgsl_codes() -> String {
    let mut out = String::new();
    for mode in ResetMode::ALL {
        out.push_str(&format!("const {}: u32 = {}u;\n", mode.wgsl_name(), mode.shader_code()));
    }
    for surrogate in Surrogate::all_defaults() {
        out.push_str(&format!("const {}: u32 = {}u;\n", surrogate.wgsl_name(), surrogate.shader_code()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_spec_is_snntorch_s_with_a_delayed_reset() {
        assert_eq!(LifSpec::default(), LifSpec::snntorch_default());
        assert!(LifSpec::default().reset_delay);
    }

    #[test]
    fn state_quant_snaps_to_levels_ties_down_and_keeps_nan() {
        let quant = StateQuant { levels: 5, lower: 0.0, upper: 1.0 };
        assert_eq!(quant.apply(0.3), 0.25);
        assert_eq!(quant.apply(0.375), 0.25, "a tie takes the lower level");
        assert_eq!(quant.apply(7.0), 1.0);
        assert_eq!(quant.apply(-7.0), 0.0);
        assert!(quant.apply(f32::NAN).is_nan());
        let snntorch = StateQuant::snntorch(8, 1.0, 0.0, 0.2).expect("valid");
        assert_eq!(snntorch, StateQuant::snntorch_default());
        assert!(StateQuant::snntorch(0, 1.0, 0.0, 0.2).unwrap_err().to_string().contains("num_bits"));
        assert!(StateQuant { levels: 1, lower: 0.0, upper: 1.0 }.validate().is_err());
        assert!(StateQuant { levels: 4, lower: 1.0, upper: 1.0 }.validate().is_err());
    }

    #[test]
    fn surrogates_match_snntorch_at_zero_and_reject_bad_parameters() {
        assert_eq!(Surrogate::atan().grad(0.0), 1.0);
        assert_eq!(Surrogate::fast_sigmoid().grad(0.0), 1.0);
        assert_eq!(Surrogate::sigmoid().grad(0.0), 25.0 / 4.0);
        assert_eq!(Surrogate::straight_through().grad(3.0), 1.0);
        assert_eq!(Surrogate::sfs().grad(0.5), 0.0, "SFS is zero below its bound");
        assert!(Surrogate::FastSigmoid { slope: 0.0 }.validate().is_err());
        assert!(Surrogate::Atan { alpha: f32::NAN }.validate().is_err());
        let codes: Vec<u32> = Surrogate::all_defaults().iter().map(|s| s.shader_code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5], "every surrogate has its own kernel code");
    }

    #[test]
    fn rendered_codes_name_every_reset_and_surrogate() {
        let codes = wgsl_codes();
        for (name, code) in [("RESET_SUBTRACT", 0), ("RESET_ZERO_ALL", 3), ("SURROGATE_SFS", 5)] {
            assert!(codes.contains(&format!("const {name}: u32 = {code}u;")), "{codes}");
        }
    }
}
