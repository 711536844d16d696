//! `Leaky`: snnTorch's first-order LIF neuron as a Burn module.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use super::graded::{grade, graded_factor};
use super::parameter::f32_param;
use crate::error::{NeuroError, Result};
use crate::neuron::{LifSpec, ResetMode, SavedState, StateQuant, Surrogate};
use crate::ops::lif::{LifNeuron, LifOutput, NeuronParameter, lif, lif_step};

/// Configuration of a [`Leaky`] layer; defaults follow snnTorch's `Leaky`.
#[derive(Config, Debug)]
pub struct LeakyConfig {
    /// Membrane decay rate β, in [0, 1].
    pub beta: f32,
    /// Firing threshold θ.
    #[config(default = 1.0)]
    pub threshold: f32,
    /// Reset mechanism after a spike.
    #[config(default = "ResetMode::Subtract")]
    pub reset: ResetMode,
    /// Delay the reset to the next step (snnTorch's default).
    #[config(default = true)]
    pub reset_delay: bool,
    /// Surrogate gradient of the spike.
    #[config(default = "Surrogate::Atan { alpha: 2.0 }")]
    pub surrogate: Surrogate,
    /// Train β.
    #[config(default = false)]
    pub learn_beta: bool,
    /// Train θ.
    #[config(default = false)]
    pub learn_threshold: bool,
    /// One β and θ per neuron (this many, the product of trailing per-step dims) instead of one
    /// per layer.
    #[config(default = "None")]
    pub neurons: Option<usize>,
    /// Explicit per-neuron β values (each in [0, 1]); sets `neurons` to their count.
    #[config(default = "None")]
    pub beta_per_neuron: Option<Vec<f32>>,
    /// Scale of the emitted spikes (snnTorch's `graded_spikes_factor`); the reset still uses the
    /// binary spike.
    #[config(default = 1.0)]
    pub graded_spikes_factor: f32,
    /// Train the graded-spike factor.
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

/// A layer of leaky integrate-and-fire neurons running on the fused kernels.
///
/// β and θ are f32 parameters whatever the activation dtype, so f16 training keeps its neuron
/// parameters at full precision.
#[derive(Module, Debug)]
pub struct Leaky {
    /// Decay rate, `[1]` or `[neurons]`.
    pub beta: Param<Tensor<1>>,
    /// Threshold, `[1]` or `[neurons]`.
    pub threshold: Param<Tensor<1>>,
    /// Graded-spike factor `[1]`; `None` means plain binary spikes.
    pub graded_spikes: Option<Param<Tensor<1>>>,
    /// Reset mode, delay and surrogate.
    #[module(skip)]
    pub spec: LifSpec,
}

impl LeakyConfig {
    /// Builds the layer on `device`, checking every value.
    pub fn init(&self, device: &Device) -> Result<Leaky> {
        let count = match (&self.beta_per_neuron, self.neurons) {
            (Some(values), Some(n)) if values.len() != n => {
                return Err(NeuroError::Shape {
                    argument: "beta_per_neuron",
                    actual: vec![values.len()],
                    expected: format!("[{n}] (`neurons`)"),
                });
            }
            (Some(values), _) => values.len(),
            (None, Some(n)) => n,
            (None, None) => 1,
        };
        if count == 0 {
            return Err(NeuroError::Range {
                argument: "neurons",
                value: "0".into(),
                expected: "at least 1".into(),
            });
        }
        let betas = self.beta_per_neuron.clone().unwrap_or_else(|| vec![self.beta; count]);
        if let Some((index, bad)) = betas.iter().enumerate().find(|(_, b)| !(0.0..=1.0).contains(*b)) {
            let argument = if self.beta_per_neuron.is_some() { "beta_per_neuron" } else { "beta" };
            return Err(NeuroError::Range {
                argument,
                value: format!("{bad} (at index {index})"),
                expected: "a finite value in [0, 1]".into(),
            });
        }
        if !self.threshold.is_finite() {
            return Err(NeuroError::Range {
                argument: "threshold",
                value: self.threshold.to_string(),
                expected: "a finite value".into(),
            });
        }
        let spec = LifSpec { reset: self.reset, reset_delay: self.reset_delay, surrogate: self.surrogate, state_quant: self.state_quant, saved_state: self.saved_state };
        spec.validate()?;
        Ok(Leaky {
            beta: f32_param(betas, self.learn_beta, device),
            threshold: f32_param(vec![self.threshold; count], self.learn_threshold, device),
            graded_spikes: graded_factor(self.graded_spikes_factor, self.learn_graded_spikes, device)?,
            spec,
        })
    }
}

impl Leaky {
    /// All T steps in one launch: `input` is `[T, ...]`, `initial` `[1, ...]` (zeros if `None`).
    pub fn forward<const D: usize>(&self, input: Tensor<D>, initial: Option<Tensor<D>>) -> Result<LifOutput<D>> {
        lif(input, initial, &self.neuron()).map(|out| self.graded(out))
    }

    /// Truncated BPTT: runs `[T, ...]` in chunks of `chunk` steps (one fused launch each) and
    /// carries the membrane across chunk boundaries *detached*, so gradients flow back at most
    /// `chunk` steps and the graph of earlier chunks can be freed. Every neuron layer has the
    /// same through [`truncated::forward_truncated`](super::truncated::forward_truncated).
    pub fn forward_truncated<const D: usize>(&self, input: Tensor<D>, initial: Option<Tensor<D>>, chunk: usize) -> Result<LifOutput<D>> {
        super::truncated::forward_truncated(self, input, initial, chunk)
    }

    /// One step: `membrane` is the state from the previous step (zeros if `None`).
    pub fn step<const D: usize>(&self, input: Tensor<D>, membrane: Option<Tensor<D>>) -> Result<LifOutput<D>> {
        lif_step(input, membrane, &self.neuron()).map(|out| self.graded(out))
    }

    fn graded<const D: usize>(&self, out: LifOutput<D>) -> LifOutput<D> {
        LifOutput { spikes: grade(out.spikes, &self.graded_spikes), membrane: out.membrane }
    }

    fn neuron(&self) -> LifNeuron {
        LifNeuron {
            spec: self.spec,
            beta: NeuronParameter::Tensor(self.beta.val()),
            threshold: NeuronParameter::Tensor(self.threshold.val()),
        }
    }
}
