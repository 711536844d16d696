//! `Lapicque`: snnTorch's RC-circuit neuron as a Burn module, on the fused LIF kernels.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use super::graded::{grade, graded_factor};
use super::parameter::f32_param;
use crate::error::{NeuroError, Result};
use crate::neuron::{LifSpec, ResetMode, SavedState, StateQuant, Surrogate};
use crate::ops::lapicque::{LapicqueNeuron, lapicque, lapicque_step};
use crate::ops::lif::{LifOutput, NeuronParameter};

/// Configuration of a [`Lapicque`] layer; defaults follow snnTorch's `Lapicque(R=…, C=…)`.
#[derive(Config, Debug)]
pub struct LapicqueConfig {
    /// Resistance R.
    pub r: f32,
    /// Capacitance C.
    pub c: f32,
    /// Time step Δt, at most R·C.
    #[config(default = 1.0)]
    pub time_step: f32,
    #[config(default = 1.0)]
    pub threshold: f32,
    /// `Zero` clears the whole new potential, as snnTorch's `Lapicque` does.
    #[config(default = "ResetMode::Subtract")]
    pub reset: ResetMode,
    #[config(default = true)]
    pub reset_delay: bool,
    #[config(default = "Surrogate::Atan { alpha: 2.0 }")]
    pub surrogate: Surrogate,
    #[config(default = false)]
    pub learn_threshold: bool,
    /// One θ per neuron (this many) instead of one per layer (R and C stay per layer).
    #[config(default = "None")]
    pub neurons: Option<usize>,
    #[config(default = 1.0)]
    pub graded_spikes_factor: f32,
    #[config(default = false)]
    pub learn_graded_spikes: bool,
    #[config(default = "None")]
    pub state_quant: Option<StateQuant>,
    /// What autodiff keeps for the backward: `SavedState::Compact` for memory-light BPTT
    /// (bit-packed spikes, f16 states).
    #[config(default = "SavedState::Full")]
    pub saved_state: SavedState,
}

impl LapicqueConfig {
    /// snnTorch's `Lapicque(beta)`: R = 1 and C = Δt/(1 − β).
    pub fn from_beta(beta: f32) -> Self {
        LapicqueConfig::new(1.0, 1.0 / (1.0 - beta))
    }

    /// Builds the layer on `device`, checking every value.
    pub fn init(&self, device: &Device) -> Result<Lapicque> {
        let neuron = self.neuron(NeuronParameter::Scalar(self.threshold));
        neuron.coefficients()?;
        if !self.threshold.is_finite() {
            return Err(NeuroError::Range { argument: "threshold", value: self.threshold.to_string(), expected: "a finite value".into() });
        }
        neuron.spec.validate()?;
        let count = self.neurons.unwrap_or(1);
        if count == 0 {
            return Err(NeuroError::Range { argument: "neurons", value: "0".into(), expected: "at least 1".into() });
        }
        Ok(Lapicque {
            threshold: f32_param(vec![self.threshold; count], self.learn_threshold, device),
            graded_spikes: graded_factor(self.graded_spikes_factor, self.learn_graded_spikes, device)?,
            r: self.r,
            c: self.c,
            time_step: self.time_step,
            spec: neuron.spec,
        })
    }

    fn neuron(&self, threshold: NeuronParameter) -> LapicqueNeuron {
        LapicqueNeuron {
            r: self.r,
            c: self.c,
            time_step: self.time_step,
            threshold,
            spec: LifSpec { reset: self.reset, reset_delay: self.reset_delay, surrogate: self.surrogate, state_quant: self.state_quant, saved_state: self.saved_state },
        }
    }
}

/// A layer of Lapicque neurons; θ (`[1]` or one per neuron) and the graded-spike factor are
/// f32 parameters.
#[derive(Module, Debug)]
pub struct Lapicque {
    pub threshold: Param<Tensor<1>>,
    pub graded_spikes: Option<Param<Tensor<1>>>,
    #[module(skip)]
    pub r: f32,
    #[module(skip)]
    pub c: f32,
    #[module(skip)]
    pub time_step: f32,
    #[module(skip)]
    pub spec: LifSpec,
}

impl Lapicque {
    /// All T steps in one launch: `input` is `[T, ...]`, `initial` `[1, ...]` (zeros if `None`).
    pub fn forward<const D: usize>(&self, input: Tensor<D>, initial: Option<Tensor<D>>) -> Result<LifOutput<D>> {
        lapicque(input, initial, &self.neuron()).map(|out| self.graded(out))
    }

    /// One step: `membrane` is the state from the previous step (zeros if `None`).
    pub fn step<const D: usize>(&self, input: Tensor<D>, membrane: Option<Tensor<D>>) -> Result<LifOutput<D>> {
        lapicque_step(input, membrane, &self.neuron()).map(|out| self.graded(out))
    }

    fn neuron(&self) -> LapicqueNeuron {
        LapicqueNeuron { r: self.r, c: self.c, time_step: self.time_step, threshold: NeuronParameter::Tensor(self.threshold.val()), spec: self.spec }
    }

    fn graded<const D: usize>(&self, out: LifOutput<D>) -> LifOutput<D> {
        LifOutput { spikes: grade(out.spikes, &self.graded_spikes), membrane: out.membrane }
    }
}
