//! snnTorch's recurrent neurons with one-to-one recurrence, fused over T steps with the
//! recurrence inside the kernel: `RLeaky` (`U[t] = β·U[t-1] + X[t] + V·S[t-1] − R·θ`) and
//! `RSynaptic` (`I[t] = α·I[t-1] + X[t] + V·S[t-1]`, `U[t] = β·U[t-1] + I[t] − R·θ`), where V
//! is one weight per neuron (or per layer) and S[t-1] carries its surrogate gradient. snnTorch's
//! zero reset for these neurons is [`ResetMode::ZeroAll`](crate::ResetMode::ZeroAll).
//! All-to-all recurrence (a `Linear` on S[t-1]) needs a matmul between steps: loop
//! [`recurrent_step`] with the matmul added to the input.

use burn::tensor::Tensor;

use super::lif::{LifNeuron, LifOutput, NeuronParameter, RecurrentPart, SynapticPart, flat_step_parameter, run_neuron};
use crate::error::{NeuroError, Result};

/// A recurrent neuron: the LIF part, V, and (for `RSynaptic`) the current's decay α.
#[derive(Debug, Clone)]
pub struct RecurrentNeuron {
    pub lif: LifNeuron,
    /// One-to-one recurrent weight V (snnTorch's default 1.0).
    pub weight: NeuronParameter,
    /// `Some(α)` makes it `RSynaptic`.
    pub alpha: Option<NeuronParameter>,
}

impl RecurrentNeuron {
    /// snnTorch's `RLeaky(beta, all_to_all=False)` with V = 1.
    pub fn rleaky(beta: impl Into<NeuronParameter>) -> Self {
        RecurrentNeuron { lif: LifNeuron::new(beta), weight: NeuronParameter::Scalar(1.0), alpha: None }
    }

    /// snnTorch's `RSynaptic(alpha, beta, all_to_all=False)` with V = 1.
    pub fn rsynaptic(alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        RecurrentNeuron { alpha: Some(alpha.into()), ..Self::rleaky(beta) }
    }

    pub fn with_weight(mut self, weight: impl Into<NeuronParameter>) -> Self {
        self.weight = weight.into();
        self
    }
}

/// The state before the first step (each `[1, ...]` for [`recurrent`], shaped like the input
/// for [`recurrent_step`]); `synaptic` only for `RSynaptic`.
#[derive(Debug, Clone)]
pub struct RecurrentState<const D: usize> {
    pub membrane: Tensor<D>,
    pub spikes: Tensor<D>,
    pub synaptic: Option<Tensor<D>>,
}

/// Spikes, membranes and (for `RSynaptic`) currents, shaped like the input.
#[derive(Debug, Clone)]
pub struct RecurrentOutput<const D: usize> {
    pub spikes: Tensor<D>,
    pub membrane: Tensor<D>,
    pub synaptic: Option<Tensor<D>>,
}

/// T steps in one launch: `input` `[T, ...]`, the state `[1, ...]` (zeros if `None`).
pub fn recurrent<const D: usize>(input: Tensor<D>, initial: Option<RecurrentState<D>>, neuron: &RecurrentNeuron) -> Result<RecurrentOutput<D>> {
    let dims = input.dims();
    if dims[0] == 0 {
        return Err(NeuroError::Shape { argument: "input", actual: dims.to_vec(), expected: "[T, ...] with T >= 1 time steps".into() });
    }
    let mut one_step = dims;
    one_step[0] = 1;
    let (membrane, spikes, current) = match initial {
        Some(state) => {
            for (argument, tensor) in [("initial", Some(&state.membrane)), ("initial_spike", Some(&state.spikes)), ("initial_synaptic", state.synaptic.as_ref())] {
                if let Some(tensor) = tensor {
                    if tensor.dims() != one_step {
                        return Err(NeuroError::Shape { argument, actual: tensor.dims().to_vec(), expected: format!("{one_step:?}") });
                    }
                }
            }
            if state.synaptic.is_some() && neuron.alpha.is_none() {
                return Err(NeuroError::Shape { argument: "initial_synaptic", actual: one_step.to_vec(), expected: "none: an RLeaky neuron has no synaptic current".into() });
            }
            (Some(state.membrane), Some(state.spikes), state.synaptic)
        }
        None => (None, None, None),
    };
    let synaptic = neuron.alpha.as_ref().map(|alpha| SynapticPart { alpha, initial: current });
    let recurrent = Some(RecurrentPart { weight: &neuron.weight, initial: spikes });
    let (LifOutput { spikes, membrane }, current) = run_neuron(input, membrane, synaptic, recurrent, None, &neuron.lif)?;
    Ok(RecurrentOutput { spikes, membrane, synaptic: current.into_iter().next() })
}

/// One step with the state from the previous step (zeros if `None`), all shaped like `input`.
pub fn recurrent_step<const D: usize>(input: Tensor<D>, state: Option<RecurrentState<D>>, neuron: &RecurrentNeuron) -> Result<RecurrentOutput<D>> {
    let dims = input.dims();
    let neurons = dims.iter().product::<usize>();
    let flat = |t: Tensor<D>| -> Result<Tensor<2>> {
        if t.dims() != dims {
            return Err(NeuroError::Shape { argument: "state", actual: t.dims().to_vec(), expected: format!("{dims:?} (the shape of `input`)") });
        }
        Ok(t.reshape([1, neurons]))
    };
    let state = match state {
        Some(s) => Some(RecurrentState { membrane: flat(s.membrane)?, spikes: flat(s.spikes)?, synaptic: s.synaptic.map(flat).transpose()? }),
        None => None,
    };
    let neuron = RecurrentNeuron {
        lif: LifNeuron {
            spec: neuron.lif.spec,
            beta: flat_step_parameter(&neuron.lif.beta, "beta", &dims)?,
            threshold: flat_step_parameter(&neuron.lif.threshold, "threshold", &dims)?,
        },
        weight: flat_step_parameter(&neuron.weight, "recurrent_weight", &dims)?,
        alpha: neuron.alpha.as_ref().map(|alpha| flat_step_parameter(alpha, "alpha", &dims)).transpose()?,
    };
    let out = recurrent(input.reshape([1, neurons]), state, &neuron)?;
    Ok(RecurrentOutput {
        spikes: out.spikes.reshape(dims),
        membrane: out.membrane.reshape(dims),
        synaptic: out.synaptic.map(|s| s.reshape(dims)),
    })
}

/// `RLeaky` with all-to-all recurrence (snnTorch's default `all_to_all=True`): the input at
/// step t is `X[t] + S[t-1]·W` for a `[N, N]` matrix W (the `burn::nn::Linear` layout), so
/// each step needs a matmul between kernel launches: T single-step launches plus T matmuls.
/// `input` is `[T, batch, N]`; returns spikes and membranes `[T, batch, N]`.
pub fn rleaky_all_to_all(input: Tensor<3>, weight: Tensor<2>, neuron: &LifNeuron) -> Result<LifOutput<3>> {
    let [steps, batch, neurons] = input.dims();
    if weight.dims() != [neurons, neurons] {
        return Err(NeuroError::Shape { argument: "weight", actual: weight.dims().to_vec(), expected: format!("[{neurons}, {neurons}]") });
    }
    if steps == 0 {
        return Err(NeuroError::Shape { argument: "input", actual: input.dims().to_vec(), expected: "[T >= 1, batch, N]".into() });
    }
    let (mut spikes, mut membranes) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
    let mut state: Option<LifOutput<2>> = None;
    for t in 0..steps {
        let mut x = input.clone().slice([t..t + 1]).reshape([batch, neurons]);
        let mut membrane = None;
        if let Some(previous) = state {
            x = x + previous.spikes.matmul(weight.clone().cast(previous.membrane.dtype()));
            membrane = Some(previous.membrane);
        }
        let out = super::lif::lif_step(x, membrane, neuron)?;
        spikes.push(out.spikes.clone().unsqueeze_dim::<3>(0));
        membranes.push(out.membrane.clone().unsqueeze_dim::<3>(0));
        state = Some(out);
    }
    Ok(LifOutput { spikes: Tensor::cat(spikes, 0), membrane: Tensor::cat(membranes, 0) })
}
