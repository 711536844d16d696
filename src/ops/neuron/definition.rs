//! What a neuron is to the op: its kind, spec and coefficients.

use burn::tensor::Tensor;

use crate::error::{NeuroError, Result};
use crate::neuron::{Coefficient, CustomSurrogate, LifSpec, NeuronKind, ResetMode};

/// A neuron coefficient (β, θ, α or V): one value for the whole layer, or a learnable tensor.
#[derive(Debug, Clone)]
pub enum NeuronParameter {
    /// The same value for every neuron; validated on the host.
    Scalar(f32),
    /// One value per neuron. Its length must be 1 or the product of a suffix of the per-step
    /// dims (e.g. `features` for `[T, batch, features]`), and it broadcasts over the rest.
    /// Values are not range-checked on every call: β and α are clamped to [0, 1] as in snnTorch.
    Tensor(Tensor<1>),
}

impl From<f32> for NeuronParameter {
    fn from(value: f32) -> Self {
        NeuronParameter::Scalar(value)
    }
}

impl From<Tensor<1>> for NeuronParameter {
    fn from(value: Tensor<1>) -> Self {
        NeuronParameter::Tensor(value)
    }
}

/// A neuron of any kind: its row of the table, its spec and its coefficients.
#[derive(Debug, Clone)]
pub struct Neuron {
    /// Which neuron (and so which coefficients, states and outputs).
    pub kind: NeuronKind,
    /// Reset, delay, surrogate, quantizer and saved state.
    pub spec: LifSpec,
    /// Membrane decay β, in [0, 1] (the inhibitory decay for `Alpha`).
    pub beta: NeuronParameter,
    /// Firing threshold θ.
    pub threshold: NeuronParameter,
    /// Current decay α, in [0, 1] (`Synaptic`, `RSynaptic`, `Alpha`; ignored otherwise).
    pub alpha: NeuronParameter,
    /// One-to-one recurrent weight V (`RLeaky`, `RSynaptic`; ignored otherwise).
    pub recurrent_weight: NeuronParameter,
    /// A surrogate of the user's own, replacing `spec.surrogate`; the neuron then runs on
    /// Burn tensor ops instead of the fused kernels (see [`CustomSurrogate`]).
    pub custom_surrogate: Option<CustomSurrogate>,
}

impl Neuron {
    /// A neuron of `kind` with snnTorch's defaults: θ = 1, V = 1, subtract reset (zero for
    /// `Alpha`), delayed, atan surrogate.
    pub fn new(kind: NeuronKind, alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        let mut spec = LifSpec::snntorch_default();
        if kind == NeuronKind::Alpha {
            spec.reset = ResetMode::Zero;
        }
        Neuron { kind, spec, beta: beta.into(), threshold: 1.0.into(), alpha: alpha.into(), recurrent_weight: 1.0.into(), custom_surrogate: None }
    }

    /// snnTorch's `Leaky(beta)`.
    pub fn leaky(beta: impl Into<NeuronParameter>) -> Self {
        Neuron::new(NeuronKind::Leaky, 0.0, beta)
    }

    /// snnTorch's `Synaptic(alpha, beta)`.
    pub fn synaptic(alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        Neuron::new(NeuronKind::Synaptic, alpha, beta)
    }

    /// snnTorch's `RLeaky(beta, all_to_all=False)` with V = 1.
    pub fn rleaky(beta: impl Into<NeuronParameter>) -> Self {
        Neuron::new(NeuronKind::RLeaky, 0.0, beta)
    }

    /// snnTorch's `RSynaptic(alpha, beta, all_to_all=False)` with V = 1.
    pub fn rsynaptic(alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        Neuron::new(NeuronKind::RSynaptic, alpha, beta)
    }

    /// snnTorch's `Alpha(alpha, beta)` (zero reset).
    pub fn alpha(alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        Neuron::new(NeuronKind::Alpha, alpha, beta)
    }

    /// Replaces the threshold.
    pub fn with_threshold(mut self, threshold: impl Into<NeuronParameter>) -> Self {
        self.threshold = threshold.into();
        self
    }

    /// Replaces the one-to-one recurrent weight V.
    pub fn with_recurrent_weight(mut self, weight: impl Into<NeuronParameter>) -> Self {
        self.recurrent_weight = weight.into();
        self
    }

    /// Uses a surrogate of the user's own (`None`: the spec's built-in one), which moves the
    /// neuron from the fused kernels onto Burn tensor ops.
    pub fn with_custom_surrogate(mut self, surrogate: Option<CustomSurrogate>) -> Self {
        self.custom_surrogate = surrogate;
        self
    }

    /// Replaces the spec (reset mode, delay, surrogate, quantizer, saved state).
    pub fn with_spec(mut self, spec: LifSpec) -> Self {
        self.spec = spec;
        self
    }

    /// The parameter behind a coefficient row.
    pub fn coefficient(&self, coefficient: Coefficient) -> &NeuronParameter {
        match coefficient {
            Coefficient::Beta => &self.beta,
            Coefficient::Threshold => &self.threshold,
            Coefficient::Alpha => &self.alpha,
            Coefficient::RecurrentWeight => &self.recurrent_weight,
        }
    }

    /// The checks that need no device: the spec, the spec choices of this kind, each scalar
    /// coefficient of this kind, and snnTorch's `Alpha` rules where both decays are scalars.
    pub fn validate(&self) -> Result<()> {
        self.spec.validate()?;
        self.kind.check_spec(&self.spec)?;
        for &coefficient in self.kind.layout().coefficients {
            if let NeuronParameter::Scalar(value) = self.coefficient(coefficient) {
                coefficient.check(*value)?;
            }
        }
        if let (NeuronKind::Alpha, NeuronParameter::Scalar(alpha), NeuronParameter::Scalar(beta)) = (self.kind, &self.alpha, &self.beta) {
            check_alpha_decays(*alpha, *beta)?;
        }
        Ok(())
    }
}

/// snnTorch's `Alpha` rules: α > β (else the membrane answers a positive input with a negative
/// response) and β ≠ 1 (τ_α divides by ln β − ln α).
pub(crate) fn check_alpha_decays(alpha: f32, beta: f32) -> Result<()> {
    if !(alpha > beta) {
        return Err(NeuroError::Range { argument: "alpha", value: alpha.to_string(), expected: format!("greater than beta = {beta}") });
    }
    if beta == 1.0 {
        return Err(NeuroError::Range {
            argument: "beta", value: "1".into(), expected: "less than 1 (τ_α = ln α / (ln β − ln α) + 1)".into()
        });
    }
    Ok(())
}
