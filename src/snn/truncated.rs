//! Truncated BPTT for every neuron layer: the sequence runs in chunks of `chunk` steps (one
//! fused launch each, or one step loop for all-to-all recurrence) and the state crosses each
//! chunk boundary detached, so gradients flow back at most `chunk` steps and the graph of
//! earlier chunks can be freed (snnTorch's `TBPTT` with `K = chunk`).

use burn::tensor::Tensor;

use crate::error::{NeuroError, Result};
use crate::ops::neuron::{NeuronOutput, NeuronState};

/// A neuron layer that runs `[T, ...]` from a state of its kind. The state of the next chunk is
/// read from the outputs by the kind's table row ([`NeuronOutput::final_state`]).
pub trait NeuronLayer<const D: usize> {
    /// Runs `input` (`[T, ...]`) from `state` (zeros if `None`).
    fn run(&self, input: Tensor<D>, state: Option<NeuronState<D>>) -> Result<NeuronOutput<D>>;
}

/// Runs `layer` over `input` (`[T, ...]`) in chunks of `chunk` steps, carrying the state across
/// chunk boundaries detached (the initial state too).
pub fn forward_truncated<const D: usize, L: NeuronLayer<D>>(
    layer: &L,
    input: Tensor<D>,
    initial: Option<NeuronState<D>>,
    chunk: usize,
) -> Result<NeuronOutput<D>> {
    if chunk == 0 {
        return Err(NeuroError::Range { argument: "chunk", value: "0".into(), expected: "at least 1 step".into() });
    }
    let steps = input.dims()[0];
    let mut state = initial.map(NeuronState::detach);
    let mut outputs = Vec::new();
    for start in (0..steps.max(1)).step_by(chunk) {
        let end = (start + chunk).min(steps);
        let output = layer.run(input.clone().slice([start..end]), state.take())?;
        state = Some(output.final_state().detach());
        outputs.push(output);
    }
    Ok(NeuronOutput::cat(outputs))
}
