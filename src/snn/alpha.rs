//! `Alpha`: snnTorch's dual-exponential LIF neuron as a Burn module.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use super::config::neuron_config;
use super::layer::{neuron_layer, run_graded};
use super::parameter::f32_param;
use super::synaptic::layer_count;
use crate::error::Result;
use crate::neuron::{Coefficient, LifSpec, NeuronKind};
use crate::ops::neuron::{Neuron, NeuronOutput, NeuronState, check_alpha_decays};

neuron_config! {
    /// Configuration of an [`Alpha`] layer; defaults follow snnTorch's `Alpha` (zero reset). The
    /// reset is always delayed by one step, as in snnTorch (`reset_delay = false` is an error).
    pub struct AlphaConfig {
        /// Excitatory current decay α, in [0, 1] and greater than β.
        pub alpha: f32,
        /// Inhibitory current decay β, in [0, 1).
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
    default_reset = "crate::neuron::ResetMode::Zero";
    zero_reset = crate::neuron::ResetMode::Zero;
}

/// A layer of alpha neurons on the fused kernels; α, β and θ are f32.
#[derive(Module, Debug)]
pub struct Alpha {
    /// Excitatory decay, `[1]` or `[neurons]`.
    pub alpha: Param<Tensor<1>>,
    /// Inhibitory decay, `[1]` or `[neurons]`.
    pub beta: Param<Tensor<1>>,
    /// Threshold, `[1]` or `[neurons]`.
    pub threshold: Param<Tensor<1>>,
    /// Graded-spike factor `[1]`; `None` means plain binary spikes.
    pub graded_spikes: Option<Param<Tensor<1>>>,
    /// Reset mode, surrogate, quantizer and saved state.
    #[module(skip)]
    pub spec: LifSpec,
    /// A surrogate of the user's own (see [`with_custom_surrogate`](Self::with_custom_surrogate)).
    #[module(skip)]
    pub custom_surrogate: Option<crate::neuron::CustomSurrogate>,
}

impl AlphaConfig {
    /// Builds the layer on `device`, checking every value.
    pub fn init(&self, device: &Device) -> Result<Alpha> {
        let count = layer_count(self.neurons)?;
        Coefficient::Alpha.check(self.alpha)?;
        Coefficient::Beta.check(self.beta)?;
        check_alpha_decays(self.alpha, self.beta)?;
        Coefficient::Threshold.check(self.threshold)?;
        let spec = self.spec()?;
        NeuronKind::Alpha.check_spec(&spec)?;
        let param = |value: f32, learn: bool| f32_param(vec![value; count], learn, device);
        Ok(Alpha {
            alpha: param(self.alpha, self.learn_alpha),
            beta: param(self.beta, self.learn_beta),
            threshold: param(self.threshold, self.learn_threshold),
            graded_spikes: self.graded_spikes(device)?,
            spec,
            custom_surrogate: None,
        })
    }
}

impl Alpha {
    /// Runs the fused kernels (all steps, or one when `step`).
    fn fused<const D: usize>(&self, input: Tensor<D>, state: Option<NeuronState<D>>, step: bool) -> Result<NeuronOutput<D>> {
        let neuron = Neuron::alpha(self.alpha.val(), self.beta.val())
            .with_threshold(self.threshold.val())
            .with_spec(self.spec)
            .with_custom_surrogate(self.custom_surrogate.clone());
        run_graded(&neuron, input, state, step, &self.graded_spikes)
    }
}

impl Alpha {
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

neuron_layer!(Alpha, state);
