//! `Synaptic`: snnTorch's second-order LIF neuron as a Burn module.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use super::graded::{grade, graded_factor};
use super::parameter::f32_param;
use crate::error::{NeuroError, Result};
use crate::neuron::{LifSpec, ResetMode, SavedState, StateQuant, Surrogate};
use crate::ops::lif::{LifNeuron, NeuronParameter};
use crate::ops::synaptic::{SynapticNeuron, SynapticOutput, SynapticState, synaptic, synaptic_step};

/// Configuration of a [`Synaptic`] layer; defaults follow snnTorch's `Synaptic`.
#[derive(Config, Debug)]
pub struct SynapticConfig {
    /// Synaptic current decay α, in [0, 1].
    pub alpha: f32,
    /// Membrane decay β, in [0, 1].
    pub beta: f32,
    #[config(default = 1.0)]
    pub threshold: f32,
    #[config(default = "ResetMode::Subtract")]
    pub reset: ResetMode,
    #[config(default = true)]
    pub reset_delay: bool,
    #[config(default = "Surrogate::Atan { alpha: 2.0 }")]
    pub surrogate: Surrogate,
    #[config(default = false)]
    pub learn_alpha: bool,
    #[config(default = false)]
    pub learn_beta: bool,
    #[config(default = false)]
    pub learn_threshold: bool,
    /// One α, β and θ per neuron (this many) instead of one per layer.
    #[config(default = "None")]
    pub neurons: Option<usize>,
    /// Scale of the emitted spikes (snnTorch's `graded_spikes_factor`).
    #[config(default = 1.0)]
    pub graded_spikes_factor: f32,
    #[config(default = false)]
    pub learn_graded_spikes: bool,
    /// Quantize the membrane after every update (snnTorch's `state_quant`).
    #[config(default = "None")]
    pub state_quant: Option<StateQuant>,
    /// What autodiff keeps for the backward: `SavedState::Compact` for memory-light BPTT
    /// (bit-packed spikes, f16 states).
    #[config(default = "SavedState::Full")]
    pub saved_state: SavedState,
}

/// A layer of synaptic (current-based) LIF neurons on the fused kernels; α, β and θ are f32.
#[derive(Module, Debug)]
pub struct Synaptic {
    pub alpha: Param<Tensor<1>>,
    pub beta: Param<Tensor<1>>,
    pub threshold: Param<Tensor<1>>,
    /// Graded-spike factor `[1]`; `None` means plain binary spikes.
    pub graded_spikes: Option<Param<Tensor<1>>>,
    #[module(skip)]
    pub spec: LifSpec,
}

impl SynapticConfig {
    /// Builds the layer on `device`, checking every value.
    pub fn init(&self, device: &Device) -> Result<Synaptic> {
        let count = self.neurons.unwrap_or(1);
        if count == 0 {
            return Err(NeuroError::Range { argument: "neurons", value: "0".into(), expected: "at least 1".into() });
        }
        for (argument, value) in [("alpha", self.alpha), ("beta", self.beta)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a finite value in [0, 1]".into() });
            }
        }
        if !self.threshold.is_finite() {
            return Err(NeuroError::Range { argument: "threshold", value: self.threshold.to_string(), expected: "a finite value".into() });
        }
        let spec = LifSpec { reset: self.reset, reset_delay: self.reset_delay, surrogate: self.surrogate, state_quant: self.state_quant, saved_state: self.saved_state };
        spec.validate()?;
        let param = |value: f32, learn: bool| f32_param(vec![value; count], learn, device);
        Ok(Synaptic {
            alpha: param(self.alpha, self.learn_alpha),
            beta: param(self.beta, self.learn_beta),
            threshold: param(self.threshold, self.learn_threshold),
            graded_spikes: graded_factor(self.graded_spikes_factor, self.learn_graded_spikes, device)?,
            spec,
        })
    }
}

impl Synaptic {
    /// All T steps in one launch: `input` is `[T, ...]`, the state `[1, ...]` (zeros if `None`).
    pub fn forward<const D: usize>(&self, input: Tensor<D>, initial: Option<SynapticState<D>>) -> Result<SynapticOutput<D>> {
        synaptic(input, initial, &self.neuron()).map(|out| self.graded(out))
    }

    /// One step, with the state returned by the previous step (zeros if `None`).
    pub fn step<const D: usize>(&self, input: Tensor<D>, state: Option<SynapticState<D>>) -> Result<SynapticOutput<D>> {
        synaptic_step(input, state, &self.neuron()).map(|out| self.graded(out))
    }

    fn graded<const D: usize>(&self, out: SynapticOutput<D>) -> SynapticOutput<D> {
        SynapticOutput { spikes: grade(out.spikes, &self.graded_spikes), ..out }
    }

    fn neuron(&self) -> SynapticNeuron {
        SynapticNeuron {
            lif: LifNeuron {
                spec: self.spec,
                beta: NeuronParameter::Tensor(self.beta.val()),
                threshold: NeuronParameter::Tensor(self.threshold.val()),
            },
            alpha: NeuronParameter::Tensor(self.alpha.val()),
        }
    }
}
