//! `Mif`: MEMprop's memristive integrate-and-fire neurons as a Burn module, on the fused MIF
//! kernels ([`crate::ops::mif`]). It sits after any `Linear` or `AnalogLinear`; with
//! `AnalogLinear` synapses the layer is fully memristive, as in the paper.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::error::{NeuroError, Result, or_panic};
use crate::ops::mif::{MifOutput, MifParams, check_params, mif};

/// Configuration of a [`Mif`] layer: the device constants of [`MifParams`] (defaults: the
/// paper's, in mV, µA, kΩ, nF, µs; time constants in steps of 10 µs).
#[derive(Config, Debug)]
pub struct MifConfig {
    /// Memristor and membrane constants.
    #[config(default = "MifParams::default()")]
    pub params: MifParams,
}

impl MifConfig {
    /// Builds the layer, checking every constant.
    pub fn init(&self, _device: &Device) -> Result<Mif> {
        check_params(&self.params)?;
        Ok(Mif { params: self.params })
    }
}

/// A layer of MIF neurons. The device constants are fixed (not trained); the weights before it
/// learn through the exact gradient of the neuron's dynamics.
#[derive(Module, Debug)]
pub struct Mif {
    /// Memristor and membrane constants.
    #[module(skip)]
    pub params: MifParams,
}

impl Mif {
    /// Multi-step: `input` `[T, batch, ...]` (µA per step into each neuron's drive) from rest →
    /// the membrane `[T, batch, ...]` in mV, the neurons' analog spikes. Panics where
    /// [`Mif::try_forward`] returns an error.
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        or_panic(self.try_forward(input, None)).membrane
    }

    /// Multi-step from `initial` (`[5, batch·neurons]`, e.g. a previous call's
    /// [`MifOutput::final_state`]; `None`: rest), with every state of the trajectory.
    pub fn try_forward<const D: usize>(&self, input: Tensor<D>, initial: Option<Tensor<2>>) -> Result<MifOutput<D>> {
        if D < 3 {
            return Err(NeuroError::Shape {
                argument: "input",
                actual: input.dims().to_vec(),
                expected: "[T, batch, ...] (a multi-step layer input has rank 3 or more)".into(),
            });
        }
        mif(input, initial, &self.params)
    }
}
