//! Truncated BPTT for every neuron layer: the sequence runs in chunks of `chunk` steps (one
//! fused launch each, or one step loop for all-to-all recurrence) and the state crosses each
//! chunk boundary detached, so gradients flow back at most `chunk` steps and the graph of
//! earlier chunks can be freed (snnTorch's `TBPTT` with `K = chunk`).

use burn::tensor::Tensor;

use super::{Alpha, Lapicque, Leaky, RLeaky, Synaptic};
use crate::error::{NeuroError, Result};
use crate::ops::alpha::{AlphaOutput, AlphaState};
use crate::ops::lif::LifOutput;
use crate::ops::recurrent::{RecurrentOutput, RecurrentState};
use crate::ops::synaptic::{SynapticOutput, SynapticState};

/// A neuron layer that runs `[T, ...]` from a state and returns per-step outputs from which the
/// next chunk's state can be read.
pub trait ChunkedNeuron<const D: usize> {
    /// The state before a step, `[1, ...]` per tensor.
    type State;
    /// Per-step outputs, `[T, ...]` per tensor.
    type Output;

    /// Runs `input` (`[T, ...]`) from `state` (zeros if `None`).
    fn run(&self, input: Tensor<D>, state: Option<Self::State>) -> Result<Self::Output>;

    /// The state after the last step of `output`, detached from the graph.
    fn detached_final_state(output: &Self::Output) -> Self::State;

    /// `state` detached from the graph.
    fn detach(state: Self::State) -> Self::State;

    /// The chunks' outputs joined along time.
    fn concat(outputs: Vec<Self::Output>) -> Self::Output;
}

/// Runs `layer` over `input` (`[T, ...]`) in chunks of `chunk` steps, carrying the state across
/// chunk boundaries detached (the initial state too).
pub fn forward_truncated<const D: usize, L: ChunkedNeuron<D>>(layer: &L, input: Tensor<D>, initial: Option<L::State>, chunk: usize) -> Result<L::Output> {
    if chunk == 0 {
        return Err(NeuroError::Range { argument: "chunk", value: "0".into(), expected: "at least 1 step".into() });
    }
    let steps = input.dims()[0];
    let mut state = initial.map(L::detach);
    let mut outputs = Vec::new();
    for start in (0..steps.max(1)).step_by(chunk) {
        let end = (start + chunk).min(steps);
        let output = layer.run(input.clone().slice([start..end]), state.take())?;
        state = Some(L::detached_final_state(&output));
        outputs.push(output);
    }
    Ok(L::concat(outputs))
}

/// The last step of `[T, ...]`, detached.
fn last<const D: usize>(t: &Tensor<D>) -> Tensor<D> {
    let steps = t.dims()[0];
    t.clone().slice([steps - 1..steps]).detach()
}

fn cat<const D: usize>(parts: impl Iterator<Item = Tensor<D>>) -> Tensor<D> {
    Tensor::cat(parts.collect(), 0)
}

macro_rules! membrane_only {
    ($layer:ty) => {
        impl<const D: usize> ChunkedNeuron<D> for $layer {
            type State = Tensor<D>;
            type Output = LifOutput<D>;

            fn run(&self, input: Tensor<D>, state: Option<Tensor<D>>) -> Result<LifOutput<D>> {
                self.forward(input, state)
            }

            fn detached_final_state(output: &LifOutput<D>) -> Tensor<D> {
                last(&output.membrane)
            }

            fn detach(state: Tensor<D>) -> Tensor<D> {
                state.detach()
            }

            fn concat(outputs: Vec<LifOutput<D>>) -> LifOutput<D> {
                let (spikes, membranes): (Vec<_>, Vec<_>) = outputs.into_iter().map(|o| (o.spikes, o.membrane)).unzip();
                LifOutput { spikes: cat(spikes.into_iter()), membrane: cat(membranes.into_iter()) }
            }
        }
    };
}

membrane_only!(Leaky);
membrane_only!(Lapicque);

impl<const D: usize> ChunkedNeuron<D> for Synaptic {
    type State = SynapticState<D>;
    type Output = SynapticOutput<D>;

    fn run(&self, input: Tensor<D>, state: Option<SynapticState<D>>) -> Result<SynapticOutput<D>> {
        self.forward(input, state)
    }

    fn detached_final_state(output: &SynapticOutput<D>) -> SynapticState<D> {
        SynapticState { synaptic: last(&output.synaptic), membrane: last(&output.membrane) }
    }

    fn detach(state: SynapticState<D>) -> SynapticState<D> {
        SynapticState { synaptic: state.synaptic.detach(), membrane: state.membrane.detach() }
    }

    fn concat(outputs: Vec<SynapticOutput<D>>) -> SynapticOutput<D> {
        SynapticOutput {
            spikes: cat(outputs.iter().map(|o| o.spikes.clone())),
            synaptic: cat(outputs.iter().map(|o| o.synaptic.clone())),
            membrane: cat(outputs.iter().map(|o| o.membrane.clone())),
        }
    }
}

impl<const D: usize> ChunkedNeuron<D> for Alpha {
    type State = AlphaState<D>;
    type Output = AlphaOutput<D>;

    fn run(&self, input: Tensor<D>, state: Option<AlphaState<D>>) -> Result<AlphaOutput<D>> {
        self.forward(input, state)
    }

    fn detached_final_state(output: &AlphaOutput<D>) -> AlphaState<D> {
        AlphaState { excitatory: last(&output.excitatory), inhibitory: last(&output.inhibitory), membrane: last(&output.membrane) }
    }

    fn detach(state: AlphaState<D>) -> AlphaState<D> {
        AlphaState { excitatory: state.excitatory.detach(), inhibitory: state.inhibitory.detach(), membrane: state.membrane.detach() }
    }

    fn concat(outputs: Vec<AlphaOutput<D>>) -> AlphaOutput<D> {
        AlphaOutput {
            spikes: cat(outputs.iter().map(|o| o.spikes.clone())),
            excitatory: cat(outputs.iter().map(|o| o.excitatory.clone())),
            inhibitory: cat(outputs.iter().map(|o| o.inhibitory.clone())),
            membrane: cat(outputs.iter().map(|o| o.membrane.clone())),
        }
    }
}

impl<const D: usize> ChunkedNeuron<D> for RLeaky {
    type State = RecurrentState<D>;
    type Output = RecurrentOutput<D>;

    fn run(&self, input: Tensor<D>, state: Option<RecurrentState<D>>) -> Result<RecurrentOutput<D>> {
        self.forward(input, state)
    }

    /// The emitted spikes (graded, if the layer grades them) are part of the state.
    fn detached_final_state(output: &RecurrentOutput<D>) -> RecurrentState<D> {
        RecurrentState { membrane: last(&output.membrane), spikes: last(&output.spikes), synaptic: output.synaptic.as_ref().map(last) }
    }

    fn detach(state: RecurrentState<D>) -> RecurrentState<D> {
        RecurrentState { membrane: state.membrane.detach(), spikes: state.spikes.detach(), synaptic: state.synaptic.map(|s| s.detach()) }
    }

    fn concat(outputs: Vec<RecurrentOutput<D>>) -> RecurrentOutput<D> {
        let synaptic = outputs.iter().map(|o| o.synaptic.clone()).collect::<Option<Vec<_>>>().map(|parts| cat(parts.into_iter()));
        RecurrentOutput { spikes: cat(outputs.iter().map(|o| o.spikes.clone())), membrane: cat(outputs.iter().map(|o| o.membrane.clone())), synaptic }
    }
}
