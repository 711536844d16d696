//! The spec of a leaky integrate-and-fire neuron, shared by the WGSL kernels, the CPU
//! reference and the public ops, so all three describe the same math.

use serde::{Deserialize, Serialize};

use crate::error::{NeuroError, Result};

/// How the membrane is reset after a spike (snnTorch's `reset_mechanism`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ResetMode {
    /// `U[t] = β·U[t-1] + X[t] − R[t]·θ` (snnTorch's default).
    #[default]
    Subtract,
    /// `U[t] = β·(1 − R[t])·U[t-1] + X[t]`: the old membrane is zeroed before integrating.
    Zero,
    /// `U[t] = β·U[t-1] + X[t]`: no reset.
    None,
    /// `U[t] = (1 − R[t])·(β·U[t-1] + X[t])`: the whole new potential is zeroed, so a reset
    /// step ends at exactly 0 (snnTorch's `Lapicque` and `RLeaky` zero reset).
    ZeroAll,
}

impl ResetMode {
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

/// Surrogate gradient of the Heaviside spike, as coded in snnTorch's `surrogate.py`.
///
/// The forward pass is always `S = (U − θ > 0)`; the surrogate only shapes the backward pass.
/// Every formula takes `x = U − θ`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Surrogate {
    /// `(α/2) / (1 + (π/2·α·x)²)`; snnTorch's default with α = 2.
    Atan { alpha: f32 },
    /// `1 / (k·|x| + 1)²`, default k = 25.
    FastSigmoid { slope: f32 },
    /// `k·σ(kx)·(1 − σ(kx))`, default k = 25.
    Sigmoid { slope: f32 },
    /// `1` everywhere.
    StraightThrough,
    /// `k·exp(−β·|x − 1|)` (centred at x = 1, as snnTorch codes it), defaults β = 1, k = 25.
    SpikeRateEscape { beta: f32, slope: f32 },
    /// SFS: `1 / (k·|x| + 1)²` where `x > B`, else 0; defaults k = 25, B = 1.
    Sfs { slope: f32, bound: f32 },
}

impl Default for Surrogate {
    fn default() -> Self {
        Surrogate::atan()
    }
}

impl Surrogate {
    /// `atan` with snnTorch's default α = 2.
    pub fn atan() -> Self {
        Surrogate::Atan { alpha: 2.0 }
    }
    /// `fast_sigmoid` with snnTorch's default slope 25.
    pub fn fast_sigmoid() -> Self {
        Surrogate::FastSigmoid { slope: 25.0 }
    }
    /// `sigmoid` with snnTorch's default slope 25.
    pub fn sigmoid() -> Self {
        Surrogate::Sigmoid { slope: 25.0 }
    }
    /// `straight_through_estimator`.
    pub fn straight_through() -> Self {
        Surrogate::StraightThrough
    }
    /// `spike_rate_escape` with snnTorch's defaults β = 1, slope 25.
    pub fn spike_rate_escape() -> Self {
        Surrogate::SpikeRateEscape {
            beta: 1.0,
            slope: 25.0,
        }
    }

    /// SFS with snnTorch's defaults slope 25, B = 1.
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

    /// Name of the WGSL function body variant.
    pub(crate) fn shader_name(self) -> &'static str {
        match self {
            Surrogate::Atan { .. } => "atan",
            Surrogate::FastSigmoid { .. } => "fast_sigmoid",
            Surrogate::Sigmoid { .. } => "sigmoid",
            Surrogate::StraightThrough => "straight_through",
            Surrogate::SpikeRateEscape { .. } => "spike_rate_escape",
            Surrogate::Sfs { .. } => "sfs",
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
            Err(NeuroError::Range {
                argument: "surrogate",
                value: format!("{self:?}"),
                expected: "finite parameters, slope/alpha > 0".into(),
            })
        }
    }
}

/// Which neuron the fused kernels run: `Leaky`, with a synaptic current (`Synaptic`), with
/// one-to-one recurrence `V·S[t-1]` added to the input (`RLeaky`), both (`RSynaptic`), or
/// snnTorch's `Alpha` (excitatory and inhibitory currents; its own kernel pair, which excludes
/// the other two flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct NeuronModel {
    pub synaptic: bool,
    pub recurrent: bool,
    #[serde(default)]
    pub alpha: bool,
}

impl NeuronModel {
    pub const LEAKY: NeuronModel = NeuronModel { synaptic: false, recurrent: false, alpha: false };
    pub const SYNAPTIC: NeuronModel = NeuronModel { synaptic: true, recurrent: false, alpha: false };
    pub const RLEAKY: NeuronModel = NeuronModel { synaptic: false, recurrent: true, alpha: false };
    pub const RSYNAPTIC: NeuronModel = NeuronModel { synaptic: true, recurrent: true, alpha: false };
    pub const ALPHA: NeuronModel = NeuronModel { synaptic: false, recurrent: false, alpha: true };

    /// All five models.
    pub fn all() -> [NeuronModel; 5] {
        [Self::LEAKY, Self::SYNAPTIC, Self::RLEAKY, Self::RSYNAPTIC, Self::ALPHA]
    }

    /// Coefficient rows: β, θ, then α (synaptic or alpha), then V (recurrent).
    pub fn coeff_rows(self) -> usize {
        2 + (self.synaptic || self.alpha) as usize + self.recurrent as usize
    }

    /// State rows before the first step: U, then I (synaptic), then S[-1] (recurrent); for
    /// alpha U, then the excitatory and the inhibitory current.
    pub fn states(self) -> usize {
        if self.alpha {
            return 3;
        }
        1 + self.synaptic as usize + self.recurrent as usize
    }

    /// Output planes: S, U, then I (synaptic), or the excitatory and inhibitory currents (alpha).
    pub fn outputs(self) -> usize {
        if self.alpha {
            return 4;
        }
        2 + self.synaptic as usize
    }

    /// Whether the backward pass reads the input current X.
    pub fn backward_needs_input(self, spec: &LifSpec) -> bool {
        // Alpha rebuilds its unquantized currents from X; an immediate reset its pre-reset
        // potential.
        self.alpha || spec.backward_needs_input()
    }
}

/// Everything about a LIF layer that is fixed at kernel-build time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
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
    pub levels: u32,
    pub lower: f32,
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

impl LifSpec {
    /// snnTorch's `Leaky` defaults: subtract reset, delayed, atan surrogate.
    pub fn snntorch_default() -> Self {
        LifSpec {
            reset: ResetMode::Subtract,
            reset_delay: true,
            surrogate: Surrogate::atan(),
            state_quant: None,
            saved_state: SavedState::Full,
        }
    }

    /// Every combination of reset mode, delay and surrogate kind (defaults for parameters).
    pub fn all_variants() -> Vec<LifSpec> {
        let mut all = Vec::new();
        for reset in [ResetMode::Subtract, ResetMode::Zero, ResetMode::None, ResetMode::ZeroAll] {
            for reset_delay in [true, false] {
                for surrogate in Surrogate::all_defaults() {
                    all.push(LifSpec {
                        reset,
                        reset_delay,
                        surrogate,
                        state_quant: None,
                        saved_state: SavedState::Full,
                    });
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
