//! `Synaptic`: snnTorch's second-order LIF neuron as a Burn module.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use super::config::neuron_config;
use super::layer::{neuron_layer, run_graded};
use super::parameter::f32_param;
use crate::error::{NeuroError, Result};
use crate::neuron::{Coefficient, LifSpec};
use crate::ops::neuron::{Neuron, NeuronOutput, NeuronState};

neuron_config! {
    /// Configuration of a [`Synaptic`] layer; defaults follow snnTorch's `Synaptic`.
    pub struct SynapticConfig {
        /// Synaptic current decay α, in [0, 1].
        pub alpha: f32,
        /// Membrane decay β, in [0, 1].
        pub beta: f32,
        /// Firing threshold θ.
        #[config(default = 1.0)]
        pub threshold: f32,
        /// Train α.
        #[config(default = false)]
        pub learn_alpha: bool,
        /// Train β.
        #[config(default = false)]
        pub learn_beta: bool,
        /// Train θ.
        #[config(default = false)]
        pub learn_threshold: bool,
        /// One α, β and θ per neuron (this many) instead of one per layer.
        #[config(default = "None")]
        pub neurons: Option<usize>,
    }
    default_reset = "crate::neuron::ResetMode::Subtract";
    zero_reset = crate::neuron::ResetMode::ZeroAll;
}

/// A layer of synaptic (current-based) LIF neurons on the fused kernels; α, β and θ are f32.
#[derive(Module, Debug)]
pub struct Synaptic {
    /// Current decay, `[1]` or `[neurons]`.
    pub alpha: Param<Tensor<1>>,
    /// Membrane decay, `[1]` or `[neurons]`.
    pub beta: Param<Tensor<1>>,
    /// Threshold, `[1]` or `[neurons]`.
    pub threshold: Param<Tensor<1>>,
    /// Graded-spike factor `[1]`; `None` means plain binary spikes.
    pub graded_spikes: Option<Param<Tensor<1>>>,
    /// Reset mode, delay, surrogate, quantizer and saved state.
    #[module(skip)]
    pub spec: LifSpec,
    /// A surrogate of the user's own (see [`with_custom_surrogate`](Self::with_custom_surrogate)).
    #[module(skip)]
    pub custom_surrogate: Option<crate::neuron::CustomSurrogate>,
}

/// `count` (≥ 1) per-neuron copies of each coefficient, checked by the coefficient's own rule.
pub(super) fn layer_count(neurons: Option<usize>) -> Result<usize> {
    match neurons.unwrap_or(1) {
        0 => Err(NeuroError::Range { argument: "neurons", value: "0".into(), expected: "at least 1".into() }),
        count => Ok(count),
    }
}

impl SynapticConfig {
    /// Builds the layer on `device`, checking every value.
    pub fn init(&self, device: &Device) -> Result<Synaptic> {
        let count = layer_count(self.neurons)?;
        Coefficient::Alpha.check(self.alpha)?;
        Coefficient::Beta.check(self.beta)?;
        Coefficient::Threshold.check(self.threshold)?;
        let spec = self.spec()?;
        let param = |value: f32, learn: bool| f32_param(vec![value; count], learn, device);
        Ok(Synaptic {
            alpha: param(self.alpha, self.learn_alpha),
            beta: param(self.beta, self.learn_beta),
            threshold: param(self.threshold, self.learn_threshold),
            graded_spikes: self.graded_spikes(device)?,
            spec,
            custom_surrogate: None,
        })
    }
}

impl Synaptic {
    /// Runs the fused kernels (all steps, or one when `step`).
    fn fused<const D: usize>(&self, input: Tensor<D>, state: Option<NeuronState<D>>, step: bool) -> Result<NeuronOutput<D>> {
        let neuron = Neuron::synaptic(self.alpha.val(), self.beta.val())
            .with_threshold(self.threshold.val())
            .with_spec(self.spec)
            .with_custom_surrogate(self.custom_surrogate.clone());
        run_graded(&neuron, input, state, step, &self.graded_spikes)
    }
}

impl Synaptic {
    /// Replaces the built-in surrogate with one of the user's own (snnTorch's custom
    /// `spike_grad`); the layer then runs on Burn tensor ops instead of the fused kernels,
    /// several times slower (see [`CustomSurrogate`](crate::neuron::CustomSurrogate)).
    pub fn with_custom_surrogate(mut self, surrogate: crate::neuron::CustomSurrogate) -> Self {
        self.custom_surrogate = Some(surrogate);
        self
    }

    /// Neurons per example of the per-neuron parameters (1 when all are per layer).
    fn neuron_count(&self) -> usize {
        super::layer::neuron_count(&[&self.alpha, &self.beta, &self.threshold])
    }
}

neuron_layer!(Synaptic, state);
