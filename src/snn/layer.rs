//! What every neuron layer shares: the multi-step `forward` and single-step `step` (each with a
//! `try_` form), graded spikes, and its truncated-BPTT entry ([`NeuronLayer`]), written once.
//! A layer provides `fused(input, state, step)` and `neuron_count()`; [`neuron_layer!`] adds
//! the rest.

use burn::module::Param;
use burn::tensor::Tensor;

use super::graded::grade;
use crate::error::{NeuroError, Result};
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

/// The longest of a layer's per-neuron parameters (1 when all are per layer).
pub(super) fn neuron_count(parameters: &[&Param<Tensor<1>>]) -> usize {
    parameters.iter().map(|p| p.val().dims()[0]).max().unwrap_or(1)
}

/// The layout check of every multi-step call: `[T, batch, ...]`, so rank 3 or more, and a
/// per-neuron parameter (`neurons` > 1 values) covers trailing dims after the batch.
///
/// snnTorch calls its neurons one step at a time on `[batch, ...]`; a port that hands such a
/// tensor to our multi-step `forward` would have its batch read as time and integrated across,
/// with no error. Rank 2 (`[T, N]`, no batch axis) is refused for the same reason: it cannot
/// be told apart from a single step `[batch, N]`.
pub(super) fn check_time_major(dims: &[usize], neurons: usize) -> Result<()> {
    if dims.len() < 3 {
        return Err(NeuroError::Shape {
            argument: "input",
            actual: dims.to_vec(),
            expected: "[T, batch, ...] (rank 3 or more): `forward` runs all T steps; for one step of `[batch, ...]` call `step`, \
                       and give a single sequence a batch axis of 1 (`unsqueeze_dim(1)`)"
                .into(),
        });
    }
    let trailing: Vec<usize> = (2..=dims.len()).map(|k| dims[k..].iter().product()).collect();
    if neurons > 1 && !trailing.contains(&neurons) {
        return Err(NeuroError::Shape {
            argument: "input",
            actual: dims.to_vec(),
            expected: format!(
                "[T, batch, ...] whose per-example dims end in this layer's {neurons} neurons (trailing products {trailing:?}); \
                 a per-step `[batch, ...]` tensor goes to `step`"
            ),
        });
    }
    Ok(())
}

/// Adds `forward_repeated` and `try_forward_repeated` (one input current at every step) to a
/// layer made by [`neuron_layer`].
macro_rules! repeated_input {
    ($layer:ty) => {
        impl $layer {
            /// All `steps` steps driven by the same input at every step (a static input's
            /// first layer, whose current is computed once): `current` is one step
            /// `[batch, ...]`, the planes `[steps, batch, ...]` (`D2 = D + 1`), every state
            /// starting at zero. The same as [`forward`](Self::forward) on the current
            /// expanded over the steps, except that the CPU backend then reads one copy of it
            /// instead of materializing `steps` (for a layer with per-neuron parameters it is
            /// exactly that).
            ///
            /// Panics with the error's message where [`try_forward_repeated`](Self::try_forward_repeated) returns one.
            pub fn forward_repeated<const D: usize, const D2: usize>(&self, current: Tensor<D>, steps: usize) -> NeuronOutput<D2> {
                $crate::error::or_panic(self.try_forward_repeated(current, steps))
            }

            /// [`forward_repeated`](Self::forward_repeated), returning a bad input's error instead of panicking.
            pub fn try_forward_repeated<const D: usize, const D2: usize>(&self, current: Tensor<D>, steps: usize) -> Result<NeuronOutput<D2>> {
                let dims = current.dims();
                if D2 != D + 1 {
                    return Err($crate::error::NeuroError::Shape {
                        argument: "current",
                        actual: dims.to_vec(),
                        expected: format!("rank {} (one step of the rank-{D2} output)", D2.saturating_sub(1)),
                    });
                }
                let mut out_dims = [steps; D2];
                out_dims[1..].copy_from_slice(&dims);
                $crate::snn::layer::check_time_major(&out_dims, self.neuron_count())?;
                if self.neuron_count() > 1 {
                    // Per-neuron parameters are checked against the `[T, batch, ...]` layout.
                    return self.fused(current.unsqueeze_dim::<D2>(0).expand(out_dims), None, false);
                }
                // `[steps, N]` with stride 0 along the steps: the fused op takes it as it is.
                let neurons = dims.iter().product::<usize>();
                let flat = current.reshape([1, neurons]).expand([steps, neurons]);
                Ok(self.fused(flat, None, false)?.map(|plane| plane.reshape(out_dims)))
            }
        }
    };
}

/// Adds `forward`, `try_forward`, `step`, `try_step` and the [`NeuronLayer`] impl to a layer
/// with a `fused` method. `state`: the layer takes a [`NeuronState`]; `membrane`: a membrane
/// tensor (all a `Leaky` neuron carries).
macro_rules! neuron_layer {
    ($layer:ty, state) => {
        impl $layer {
            /// Multi-step: all T steps in one launch. `input` is `[T, batch, ...]`, the state
            /// `[1, batch, ...]` (zeros if `None`). For snnTorch's one-step call use [`step`](Self::step).
            ///
            /// Panics with the error's message where [`try_forward`](Self::try_forward) returns one.
            pub fn forward<const D: usize>(&self, input: Tensor<D>, initial: Option<NeuronState<D>>) -> NeuronOutput<D> {
                $crate::error::or_panic(self.multi_step_checked(input, initial))
            }

            /// [`forward`](Self::forward), returning a bad input's error instead of panicking.
            pub fn try_forward<const D: usize>(&self, input: Tensor<D>, initial: Option<NeuronState<D>>) -> Result<NeuronOutput<D>> {
                self.multi_step_checked(input, initial)
            }

            /// All steps after the `[T, batch, ...]` layout check.
            fn multi_step_checked<const D: usize>(&self, input: Tensor<D>, initial: Option<NeuronState<D>>) -> Result<NeuronOutput<D>> {
                $crate::snn::layer::check_time_major(&input.dims(), self.neuron_count())?;
                self.fused(input, initial, false)
            }

            /// Single step (snnTorch's call): `input` is one step `[batch, ...]`, with the
            /// state returned by the previous step (zeros if `None`).
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
                self.multi_step_checked(input, state)
            }
        }

        $crate::snn::layer::repeated_input!($layer);
    };
    ($layer:ty, membrane) => {
        impl $layer {
            /// Multi-step: all T steps in one launch. `input` is `[T, batch, ...]`, `initial`
            /// `[1, batch, ...]` (zeros if `None`). For snnTorch's one-step call use [`step`](Self::step).
            ///
            /// Panics with the error's message where [`try_forward`](Self::try_forward) returns one.
            pub fn forward<const D: usize>(&self, input: Tensor<D>, initial: Option<Tensor<D>>) -> NeuronOutput<D> {
                $crate::error::or_panic(self.try_forward(input, initial))
            }

            /// [`forward`](Self::forward), returning a bad input's error instead of panicking.
            pub fn try_forward<const D: usize>(&self, input: Tensor<D>, initial: Option<Tensor<D>>) -> Result<NeuronOutput<D>> {
                self.multi_step_checked(input, initial.map(NeuronState::new))
            }

            /// All steps after the `[T, batch, ...]` layout check.
            fn multi_step_checked<const D: usize>(&self, input: Tensor<D>, initial: Option<NeuronState<D>>) -> Result<NeuronOutput<D>> {
                $crate::snn::layer::check_time_major(&input.dims(), self.neuron_count())?;
                self.fused(input, initial, false)
            }

            /// Single step (snnTorch's call): `input` is one step `[batch, ...]`; `membrane` is
            /// the state from the previous step (zeros if `None`).
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
                self.multi_step_checked(input, state.map(|s| NeuronState::new(s.membrane)))
            }
        }

        $crate::snn::layer::repeated_input!($layer);
    };
}

pub(crate) use neuron_layer;
pub(crate) use repeated_input;
