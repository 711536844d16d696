//! `Lapicque`: snnTorch's RC-circuit neuron as a Burn module, on the fused LIF kernels.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use super::config::neuron_config;
use super::layer::{neuron_layer, run_graded};
use super::parameter::f32_param;
use crate::error::{NeuroError, Result};
use crate::neuron::LifSpec;
use crate::ops::lapicque::LapicqueNeuron;
use crate::ops::neuron::{NeuronOutput, NeuronParameter, NeuronState};

neuron_config! {
    /// Configuration of a [`Lapicque`] layer; defaults follow snnTorch's `Lapicque(R=…, C=…)`.
    /// A `Zero` reset clears the whole new potential, as snnTorch's `Lapicque` does.
    pub struct LapicqueConfig {
        /// Resistance R.
        pub r: f32,
        /// Capacitance C.
        pub c: f32,
        /// Time step Δt, at most R·C.
        #[config(default = 1.0)]
        pub time_step: f32,
        /// Firing threshold θ.
        #[config(default = 1.0)]
        pub threshold: f32,
        /// Train θ.
        #[config(default = false)]
        pub learn_threshold: bool,
        /// One θ per neuron (this many) instead of one per layer (R and C stay per layer).
        #[config(default = "None")]
        pub neurons: Option<usize>,
    }
    default_reset = "crate::neuron::ResetMode::Subtract";
    zero_reset = crate::neuron::ResetMode::Zero;
}

impl LapicqueConfig {
    /// snnTorch's `Lapicque(beta)`: R = 1 and C = Δt/(1 − β).
    pub fn from_beta(beta: f32) -> Self {
        LapicqueConfig::new(1.0, 1.0 / (1.0 - beta))
    }

    /// Builds the layer on `device`, checking every value.
    pub fn init(&self, device: &Device) -> Result<Lapicque> {
        let neuron = self.neuron(NeuronParameter::Scalar(self.threshold))?;
        neuron.coefficients()?;
        if !self.threshold.is_finite() {
            return Err(NeuroError::Range { argument: "threshold", value: self.threshold.to_string(), expected: "a finite value".into() });
        }
        let count = self.neurons.unwrap_or(1);
        if count == 0 {
            return Err(NeuroError::Range { argument: "neurons", value: "0".into(), expected: "at least 1".into() });
        }
        Ok(Lapicque {
            threshold: f32_param(vec![self.threshold; count], self.learn_threshold, device),
            graded_spikes: self.graded_spikes(device)?,
            r: self.r,
            c: self.c,
            time_step: self.time_step,
            spec: neuron.spec,
            custom_surrogate: None,
        })
    }

    fn neuron(&self, threshold: NeuronParameter) -> Result<LapicqueNeuron> {
        Ok(LapicqueNeuron { r: self.r, c: self.c, time_step: self.time_step, threshold, spec: self.spec()? })
    }
}

/// A layer of Lapicque neurons; θ (`[1]` or one per neuron) and the graded-spike factor are
/// f32 parameters.
#[derive(Module, Debug)]
pub struct Lapicque {
    /// Threshold, `[1]` or `[neurons]`.
    pub threshold: Param<Tensor<1>>,
    /// Graded-spike factor `[1]`; `None` means plain binary spikes.
    pub graded_spikes: Option<Param<Tensor<1>>>,
    /// Resistance R.
    #[module(skip)]
    pub r: f32,
    /// Capacitance C.
    #[module(skip)]
    pub c: f32,
    /// Time step Δt.
    #[module(skip)]
    pub time_step: f32,
    /// Reset, delay, surrogate, quantizer and saved state.
    #[module(skip)]
    pub spec: LifSpec,
    /// A surrogate of the user's own (see [`with_custom_surrogate`](Self::with_custom_surrogate)).
    #[module(skip)]
    pub custom_surrogate: Option<crate::neuron::CustomSurrogate>,
}

impl Lapicque {
    /// Runs the fused kernels (all steps, or one when `step`) on the scaled input.
    fn fused<const D: usize>(&self, input: Tensor<D>, state: Option<NeuronState<D>>, step: bool) -> Result<NeuronOutput<D>> {
        let lapicque = LapicqueNeuron {
            r: self.r,
            c: self.c,
            time_step: self.time_step,
            threshold: NeuronParameter::Tensor(self.threshold.val()),
            spec: self.spec,
        };
        let (neuron, scale) = lapicque.as_leaky()?;
        let neuron = neuron.with_custom_surrogate(self.custom_surrogate.clone());
        run_graded(&neuron, input * scale, state, step, &self.graded_spikes)
    }
}

impl Lapicque {
    /// Replaces the built-in surrogate with one of the user's own (snnTorch's custom
    /// `spike_grad`); the layer then runs on Burn tensor ops instead of the fused kernels,
    /// several times slower (see [`CustomSurrogate`](crate::neuron::CustomSurrogate)).
    pub fn with_custom_surrogate(mut self, surrogate: crate::neuron::CustomSurrogate) -> Self {
        self.custom_surrogate = Some(surrogate);
        self
    }

    /// Neurons per example of the per-neuron parameters (1 when all are per layer).
    fn neuron_count(&self) -> usize {
        super::layer::neuron_count(&[&self.threshold])
    }
}

neuron_layer!(Lapicque, membrane);
