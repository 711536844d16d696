//! snnTorch's `Lapicque` neuron (an RC circuit), fused on the LIF kernels:
//! `U[t] = X[t]·Δt/C + (1 − Δt/(R·C))·U[t-1]`, spikes and resets as `Leaky`, except that the
//! zero reset clears the whole new potential (`ResetMode::ZeroAll`).

use burn::tensor::Tensor;

use super::lif::{lif, lif_step};
use super::neuron::{Neuron, NeuronOutput, NeuronParameter};
use crate::error::{NeuroError, Result};
use crate::neuron::{LifSpec, ResetMode};

/// A Lapicque neuron: resistance R, capacitance C, time step Δt (any consistent units).
#[derive(Debug, Clone)]
pub struct LapicqueNeuron {
    /// Resistance R.
    pub r: f32,
    /// Capacitance C.
    pub c: f32,
    /// Time step Δt, at most R·C.
    pub time_step: f32,
    /// Firing threshold θ.
    pub threshold: NeuronParameter,
    /// Reset, delay, surrogate, quantizer and saved state.
    pub spec: LifSpec,
}

impl LapicqueNeuron {
    /// snnTorch's `Lapicque(R, C)` defaults: Δt = 1, θ = 1, subtract reset, delayed, atan.
    pub fn new(r: f32, c: f32) -> Self {
        LapicqueNeuron { r, c, time_step: 1.0, threshold: NeuronParameter::Scalar(1.0), spec: LifSpec::snntorch_default() }
    }

    /// snnTorch's `Lapicque(beta)`: R = 1 and C = Δt/(1 − β), so the decay is β and the input
    /// is scaled by 1 − β.
    pub fn from_beta(beta: f32) -> Self {
        LapicqueNeuron::new(1.0, 1.0 / (1.0 - beta))
    }

    /// Decay per step, `1 − Δt/(R·C)`, and input scale `Δt/C`; validated.
    pub fn coefficients(&self) -> Result<(f32, f32)> {
        for (argument, value) in [("r", self.r), ("c", self.c), ("time_step", self.time_step)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a positive finite value".into() });
            }
        }
        let beta = 1.0 - self.time_step / (self.r * self.c);
        if !(0.0..=1.0).contains(&beta) {
            return Err(NeuroError::Range {
                argument: "time_step",
                value: self.time_step.to_string(),
                expected: format!("at most R·C = {} (the decay 1 − Δt/(R·C) must lie in [0, 1])", self.r * self.c),
            });
        }
        Ok((beta, self.time_step / self.c))
    }

    /// The `Leaky` neuron this is (decay β, the zero reset as `ZeroAll`) and the input scale.
    pub(crate) fn as_leaky(&self) -> Result<(Neuron, f32)> {
        let (beta, scale) = self.coefficients()?;
        let mut spec = self.spec;
        if spec.reset == ResetMode::Zero {
            spec.reset = ResetMode::ZeroAll;
        }
        Ok((Neuron::leaky(beta).with_threshold(self.threshold.clone()).with_spec(spec), scale))
    }
}

/// T steps in one launch: `input` `[T, ...]`, `initial` `[1, ...]` (zeros if `None`).
pub fn lapicque<const D: usize>(input: Tensor<D>, initial: Option<Tensor<D>>, neuron: &LapicqueNeuron) -> Result<NeuronOutput<D>> {
    let (lif_neuron, scale) = neuron.as_leaky()?;
    lif(input * scale, initial, &lif_neuron)
}

/// One step with the membrane from the previous step (zeros if `None`).
pub fn lapicque_step<const D: usize>(input: Tensor<D>, membrane: Option<Tensor<D>>, neuron: &LapicqueNeuron) -> Result<NeuronOutput<D>> {
    let (lif_neuron, scale) = neuron.as_leaky()?;
    lif_step(input * scale, membrane, &lif_neuron)
}
