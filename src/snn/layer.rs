//! What every neuron layer shares: the multi-step `forward` and single-step `step` (each with a
//! `try_` form), graded spikes, and its truncated-BPTT entry ([`NeuronLayer`]), written once.
//! A layer provides `fused(input, state, step)`; [`neuron_layer!`] adds the rest.

use burn::module::Param;
use burn::tensor::Tensor;

use super::graded::grade;
use crate::error::Result;
use crate::ops::neuron::{Neuron, NeuronOutput, NeuronState, neuron_forward, neuron_step};

/// Runs `neuron` over `input` (all T steps, or one step when `step`) and scales the emitted
/// spikes by the layer's graded-spike factor.
pub(super) fn run_graded<const D: usize>(
    neuron: &Neuron,
    input: Tensor<D>,
    state: Option<NeuronState<D>>,
    step: bool,
    graded_spikes: &Option<Param<Tensor<1>>>,
) -> Result<NeuronOutput<D>> {
    let out = if step { neuron_step(input, state, neuron)? } else { neuron_forward(input, state, neuron)? };
    Ok(NeuronOutput { spikes: grade(out.spikes, graded_spikes), ..out })
}

/// Adds `forward`, `try_forward`, `step`, `try_step` and the [`NeuronLayer`] impl to a layer
/// with a `fused` method. `state`: the layer takes a [`NeuronState`]; `membrane`: a membrane
/// tensor (all a `Leaky` neuron carries).
macro_rules! neuron_layer {
    ($layer:ty, state) => {
        impl $layer {
            /// All T steps in one launch: `input` is `[T, ...]`, the state `[1, ...]` (zeros
            /// if `None`).
            ///
            /// Panics with the error's message where [`try_forward`](Self::try_forward) returns one.
            pub fn forward<const D: usize>(&self, input: Tensor<D>, initial: Option<NeuronState<D>>) -> NeuronOutput<D> {
                $crate::error::or_panic(self.fused(input, initial, false))
            }

            /// [`forward`](Self::forward), returning a bad input's error instead of panicking.
            pub fn try_forward<const D: usize>(&self, input: Tensor<D>, initial: Option<NeuronState<D>>) -> Result<NeuronOutput<D>> {
                self.fused(input, initial, false)
            }

            /// One step, with the state returned by the previous step (zeros if `None`).
            ///
            /// Panics with the error's message where [`try_step`](Self::try_step) returns one.
            pub fn step<const D: usize>(&self, input: Tensor<D>, state: Option<NeuronState<D>>) -> NeuronOutput<D> {
                $crate::error::or_panic(self.fused(input, state, true))
            }

            /// [`step`](Self::step), returning a bad input's error instead of panicking.
            pub fn try_step<const D: usize>(&self, input: Tensor<D>, state: Option<NeuronState<D>>) -> Result<NeuronOutput<D>> {
                self.fused(input, state, true)
            }
        }

        impl<const D: usize> $crate::snn::truncated::NeuronLayer<D> for $layer {
            fn run(&self, input: Tensor<D>, state: Option<NeuronState<D>>) -> Result<NeuronOutput<D>> {
                self.fused(input, state, false)
            }
        }
    };
    ($layer:ty, membrane) => {
        impl $layer {
            /// All T steps in one launch: `input` is `[T, ...]`, `initial` `[1, ...]` (zeros if
            /// `None`).
            ///
            /// Panics with the error's message where [`try_forward`](Self::try_forward) returns one.
            pub fn forward<const D: usize>(&self, input: Tensor<D>, initial: Option<Tensor<D>>) -> NeuronOutput<D> {
                $crate::error::or_panic(self.try_forward(input, initial))
            }

            /// [`forward`](Self::forward), returning a bad input's error instead of panicking.
            pub fn try_forward<const D: usize>(&self, input: Tensor<D>, initial: Option<Tensor<D>>) -> Result<NeuronOutput<D>> {
                self.fused(input, initial.map(NeuronState::new), false)
            }

            /// One step: `membrane` is the state from the previous step (zeros if `None`).
            ///
            /// Panics with the error's message where [`try_step`](Self::try_step) returns one.
            pub fn step<const D: usize>(&self, input: Tensor<D>, membrane: Option<Tensor<D>>) -> NeuronOutput<D> {
                $crate::error::or_panic(self.try_step(input, membrane))
            }

            /// [`step`](Self::step), returning a bad input's error instead of panicking.
            pub fn try_step<const D: usize>(&self, input: Tensor<D>, membrane: Option<Tensor<D>>) -> Result<NeuronOutput<D>> {
                self.fused(input, membrane.map(NeuronState::new), true)
            }

            /// Truncated BPTT: runs `[T, ...]` in chunks of `chunk` steps (one fused launch
            /// each) and carries the membrane across chunk boundaries *detached*, so gradients
            /// flow back at most `chunk` steps and the graph of earlier chunks can be freed.
            /// Every neuron layer has the same through [`forward_truncated`](super::forward_truncated).
            pub fn forward_truncated<const D: usize>(&self, input: Tensor<D>, initial: Option<Tensor<D>>, chunk: usize) -> Result<NeuronOutput<D>> {
                super::truncated::forward_truncated(self, input, initial.map(NeuronState::new), chunk)
            }
        }

        impl<const D: usize> $crate::snn::truncated::NeuronLayer<D> for $layer {
            fn run(&self, input: Tensor<D>, state: Option<NeuronState<D>>) -> Result<NeuronOutput<D>> {
                self.fused(input, state.map(|s| NeuronState::new(s.membrane)), false)
            }
        }
    };
}

pub(crate) use neuron_layer;
