//! `Leaky`: snnTorch's first-order LIF neuron as a Burn module.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use super::config::neuron_config;
use super::layer::{neuron_layer, run_graded};
use super::parameter::f32_param;
use crate::error::{NeuroError, Result};
use crate::neuron::LifSpec;
use crate::ops::neuron::{Neuron, NeuronOutput, NeuronState};

neuron_config! {
    /// Configuration of a [`Leaky`] layer; defaults follow snnTorch's `Leaky`.
    pub struct LeakyConfig {
        /// Membrane decay rate β, in [0, 1].
        pub beta: f32,
        /// Firing threshold θ.
        #[config(default = 1.0)]
        pub threshold: f32,
        /// Train β.
        #[config(default = false)]
        pub learn_beta: bool,
        /// Train θ.
        #[config(default = false)]
        pub learn_threshold: bool,
        /// One β and θ per neuron (this many, the product of trailing per-step dims) instead of
        /// one per layer.
        #[config(default = "None")]
        pub neurons: Option<usize>,
        /// Explicit per-neuron β values (each in [0, 1]); sets `neurons` to their count.
        #[config(default = "None")]
        pub beta_per_neuron: Option<Vec<f32>>,
    }
    default_reset = "crate::neuron::ResetMode::Subtract";
    zero_reset = crate::neuron::ResetMode::Zero;
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
    /// A surrogate of the user's own (see [`with_custom_surrogate`](Self::with_custom_surrogate)).
    #[module(skip)]
    pub custom_surrogate: Option<crate::neuron::CustomSurrogate>,
}

impl LeakyConfig {
    /// Builds the layer on `device`, checking every value.
    pub fn init(&self, device: &Device) -> Result<Leaky> {
        let count = match (&self.beta_per_neuron, self.neurons) {
            (Some(values), Some(n)) if values.len() != n => {
                return Err(NeuroError::Shape { argument: "beta_per_neuron", actual: vec![values.len()], expected: format!("[{n}] (`neurons`)") });
            }
            (Some(values), _) => values.len(),
            (None, Some(n)) => n,
            (None, None) => 1,
        };
        if count == 0 {
            return Err(NeuroError::Range { argument: "neurons", value: "0".into(), expected: "at least 1".into() });
        }
        let betas = self.beta_per_neuron.clone().unwrap_or_else(|| vec![self.beta; count]);
        if let Some((index, bad)) = betas.iter().enumerate().find(|(_, b)| !(0.0..=1.0).contains(*b)) {
            let argument = if self.beta_per_neuron.is_some() { "beta_per_neuron" } else { "beta" };
            return Err(NeuroError::Range { argument, value: format!("{bad} (at index {index})"), expected: "a finite value in [0, 1]".into() });
        }
        if !self.threshold.is_finite() {
            return Err(NeuroError::Range { argument: "threshold", value: self.threshold.to_string(), expected: "a finite value".into() });
        }
        let spec = self.spec()?;
        Ok(Leaky {
            beta: f32_param(betas, self.learn_beta, device),
            threshold: f32_param(vec![self.threshold; count], self.learn_threshold, device),
            graded_spikes: self.graded_spikes(device)?,
            spec,
            custom_surrogate: None,
        })
    }
}

impl Leaky {
    /// Runs the fused kernels (all steps, or one when `step`).
    fn fused<const D: usize>(&self, input: Tensor<D>, state: Option<NeuronState<D>>, step: bool) -> Result<NeuronOutput<D>> {
        let neuron = Neuron::leaky(self.beta.val())
            .with_threshold(self.threshold.val())
            .with_spec(self.spec)
            .with_custom_surrogate(self.custom_surrogate.clone());
        run_graded(&neuron, input, state, step, &self.graded_spikes)
    }
}

impl Leaky {
    /// Replaces the built-in surrogate with one of the user's own (snnTorch's custom
    /// `spike_grad`); the layer then runs on Burn tensor ops instead of the fused kernels,
    /// several times slower (see [`CustomSurrogate`](crate::neuron::CustomSurrogate)).
    pub fn with_custom_surrogate(mut self, surrogate: crate::neuron::CustomSurrogate) -> Self {
        self.custom_surrogate = Some(surrogate);
        self
    }

    /// Neurons per example of the per-neuron parameters (1 when all are per layer).
    fn neuron_count(&self) -> usize {
        super::layer::neuron_count(&[&self.beta, &self.threshold])
    }
}

neuron_layer!(Leaky, membrane);
