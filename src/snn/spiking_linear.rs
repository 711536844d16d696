//! `SpikingLinear`: a linear layer for spike inputs, with the parameter layout of
//! `burn::nn::Linear` so weights move between the two.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use crate::error::{NeuroError, Result, or_panic};
use crate::ops::spike_propagate::{PropagateOptions, Propagation, spike_propagate};

/// Configuration of a [`SpikingLinear`] layer.
#[derive(Config, Debug)]
pub struct SpikingLinearConfig {
    /// Input features (N_in).
    pub d_input: usize,
    /// Output features (N_out).
    pub d_output: usize,
    /// Learn a bias.
    #[config(default = true)]
    pub bias: bool,
    /// Sparse, dense, or chosen from the measured activity.
    #[config(default = "Propagation::default()")]
    pub propagation: Propagation,
    /// Reject spikes that are not exactly 0 or 1 (one device read per call); the backward
    /// then keeps the input spikes as bits.
    #[config(default = false)]
    pub binary: bool,
    /// Weight initializer (that of `burn::nn::LinearConfig` by default).
    #[config(default = "Initializer::KaimingUniform { gain: 0.577_350_269_189_625_8, fan_out_only: false }")]
    pub initializer: Initializer,
}

/// Linear layer whose forward pass is event-driven spike propagation.
#[derive(Module, Debug)]
pub struct SpikingLinear {
    /// `[d_input, d_output]`, as in `burn::nn::Linear`.
    pub weight: Param<Tensor<2>>,
    /// `[d_output]`.
    pub bias: Option<Param<Tensor<1>>>,
    /// Propagation mode and input checking.
    #[module(skip)]
    pub options: PropagateOptions,
}

impl SpikingLinearConfig {
    /// Builds the layer on `device` with `burn::nn::Linear`'s initialization.
    pub fn init(&self, device: &Device) -> SpikingLinear {
        let linear = LinearConfig::new(self.d_input, self.d_output).with_bias(self.bias).with_initializer(self.initializer.clone()).init(device);
        SpikingLinear::from_linear(linear, PropagateOptions { mode: self.propagation, binary: self.binary })
    }
}

impl SpikingLinear {
    /// Takes over a (trained) `burn::nn::Linear`'s parameters.
    pub fn from_linear(linear: Linear, options: PropagateOptions) -> Self {
        SpikingLinear { weight: linear.weight, bias: linear.bias, options }
    }

    /// Gives the parameters back as a `burn::nn::Linear`.
    pub fn into_linear(self) -> Linear {
        Linear { weight: self.weight, bias: self.bias }
    }

    /// `[..., d_input] → [..., d_output]`; leading dims (time, batch) are flattened into rows.
    ///
    /// Panics with the error's message where [`try_forward`](Self::try_forward) returns one.
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        or_panic(self.try_forward(input))
    }

    /// [`forward`](Self::forward), returning a bad input's error instead of panicking.
    pub fn try_forward<const D: usize>(&self, input: Tensor<D>) -> Result<Tensor<D>> {
        let dims = input.dims();
        let inputs = dims[D - 1];
        let rows = dims.iter().take(D - 1).product::<usize>();
        // The layer's weight is fixed: a wrong width is the input's fault, not the weight's.
        let expected = self.weight.dims()[0];
        if inputs != expected || rows == 0 {
            return Err(NeuroError::Shape {
                argument: "input",
                actual: dims.to_vec(),
                expected: format!("[..., {expected}] with at least one row (the layer's input width)"),
            });
        }
        let output = spike_propagate(input.reshape([rows, inputs]), self.weight.val(), self.bias.as_ref().map(|b| b.val()), self.options)?;
        let mut out_dims = dims;
        out_dims[D - 1] = output.dims()[1];
        Ok(output.reshape(out_dims))
    }
}
