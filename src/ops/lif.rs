//! Membrane-only conveniences over [`neuron_forward`] and [`neuron_step`]: the starting state
//! is a membrane (or nothing), which is all a `Leaky` neuron has. Semantics are snnTorch ≥ 0.8
//! `Leaky` (see [`LifSpec`](crate::LifSpec)).

use burn::tensor::Tensor;

use super::neuron::{Neuron, NeuronOutput, NeuronState, neuron_forward, neuron_step};
use crate::error::Result;

/// Runs T steps in one kernel launch.
///
/// `input` is `[T, ...]`. `initial` is the membrane before the first step, shaped `[1, ...]`
/// (zeros when `None`; any other state of the kind starts at zero). Returns the output planes
/// shaped `[T, ...]`.
pub fn lif<const D: usize>(input: Tensor<D>, initial: Option<Tensor<D>>, neuron: &Neuron) -> Result<NeuronOutput<D>> {
    neuron_forward(input, initial.map(NeuronState::new), neuron)
}

/// Runs one step: `input` and `membrane` (the state returned by the previous step, zeros when
/// `None`) have the same shape; returns this step's planes.
pub fn lif_step<const D: usize>(input: Tensor<D>, membrane: Option<Tensor<D>>, neuron: &Neuron) -> Result<NeuronOutput<D>> {
    neuron_step(input, membrane.map(NeuronState::new), neuron)
}
