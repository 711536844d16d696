//! snnTorch's `RLeaky` with all-to-all recurrence as a plain op. One-to-one recurrence
//! (`NeuronKind::RLeaky` / `RSynaptic`) runs inside the fused kernel through
//! [`neuron_forward`](super::neuron::neuron_forward); all-to-all recurrence (a `Linear` on
//! S[t-1]) needs a matmul between steps. snnTorch's zero reset for these neurons is
//! [`ResetMode::ZeroAll`](crate::ResetMode::ZeroAll).

use burn::tensor::Tensor;

use super::lif::lif_step;
use super::neuron::{Neuron, NeuronOutput};
use crate::error::{NeuroError, Result};

/// `RLeaky` with all-to-all recurrence (snnTorch's default `all_to_all=True`): the input at
/// step t is `X[t] + S[t-1]·W` for a `[N, N]` matrix W (the `burn::nn::Linear` layout), so
/// each step needs a matmul between kernel launches: T single-step launches plus T matmuls.
/// `input` is `[T, batch, N]`; returns spikes and membranes `[T, batch, N]`.
pub fn rleaky_all_to_all(input: Tensor<3>, weight: Tensor<2>, neuron: &Neuron) -> Result<NeuronOutput<3>> {
    let [steps, batch, neurons] = input.dims();
    if weight.dims() != [neurons, neurons] {
        return Err(NeuroError::Shape { argument: "weight", actual: weight.dims().to_vec(), expected: format!("[{neurons}, {neurons}]") });
    }
    if steps == 0 {
        return Err(NeuroError::Shape { argument: "input", actual: input.dims().to_vec(), expected: "[T >= 1, batch, N]".into() });
    }
    let (mut spikes, mut membranes) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
    let mut state: Option<NeuronOutput<2>> = None;
    for t in 0..steps {
        let mut x = input.clone().slice([t..t + 1]).reshape([batch, neurons]);
        let mut membrane = None;
        if let Some(previous) = state {
            x = x + previous.spikes.matmul(weight.clone().cast(previous.membrane.dtype()));
            membrane = Some(previous.membrane);
        }
        let out = lif_step(x, membrane, neuron)?;
        spikes.push(out.spikes.clone().unsqueeze_dim::<3>(0));
        membranes.push(out.membrane.clone().unsqueeze_dim::<3>(0));
        state = Some(out);
    }
    Ok(NeuronOutput {
        kind: neuron.kind,
        spikes: Tensor::cat(spikes, 0),
        membrane: Tensor::cat(membranes, 0),
        synaptic: None,
        excitatory: None,
        inhibitory: None,
    })
}
