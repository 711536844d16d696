//! snnTorch's `Synaptic` neuron (second-order LIF), fused over T steps on the LIF kernels:
//! `I[t] = α·I[t-1] + X[t]`, `U[t] = β·U[t-1] + I[t] − R[t]·θ` (or the zero/none resets; the
//! zero reset clears only the membrane), spikes `S[t] = (U[t] − θ > 0)`.

use burn::tensor::Tensor;

use super::lif::{LifNeuron, NeuronParameter, SynapticPart, flat_step_parameter, run_neuron};
use crate::error::{NeuroError, Result};

/// A synaptic neuron: the LIF part (β, θ, reset, surrogate) and the current's decay α.
#[derive(Debug, Clone)]
pub struct SynapticNeuron {
    pub lif: LifNeuron,
    /// Synaptic current decay α, in [0, 1].
    pub alpha: NeuronParameter,
}

impl SynapticNeuron {
    /// snnTorch's `Synaptic(alpha, beta)` defaults: θ = 1, subtract reset, delayed, atan.
    pub fn new(alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        SynapticNeuron { lif: LifNeuron::new(beta), alpha: alpha.into() }
    }
}

/// Spikes, synaptic currents and membranes, each shaped like the input.
#[derive(Debug, Clone)]
pub struct SynapticOutput<const D: usize> {
    pub spikes: Tensor<D>,
    pub synaptic: Tensor<D>,
    pub membrane: Tensor<D>,
}

/// The state before the first step: current and membrane, each `[1, ...]` for [`synaptic`] or
/// shaped like the input for [`synaptic_step`].
#[derive(Debug, Clone)]
pub struct SynapticState<const D: usize> {
    pub synaptic: Tensor<D>,
    pub membrane: Tensor<D>,
}

fn check_state<const D: usize>(state: &SynapticState<D>, expected: [usize; D]) -> Result<()> {
    for (argument, tensor) in [("initial_synaptic", &state.synaptic), ("initial", &state.membrane)] {
        if tensor.dims() != expected {
            return Err(NeuroError::Shape { argument, actual: tensor.dims().to_vec(), expected: format!("{expected:?}") });
        }
    }
    Ok(())
}

/// Runs T steps in one launch: `input` is `[T, ...]`, the state `[1, ...]` (zeros if `None`).
pub fn synaptic<const D: usize>(input: Tensor<D>, initial: Option<SynapticState<D>>, neuron: &SynapticNeuron) -> Result<SynapticOutput<D>> {
    let dims = input.dims();
    if dims[0] == 0 {
        return Err(NeuroError::Shape { argument: "input", actual: dims.to_vec(), expected: "[T, ...] with T >= 1 time steps".into() });
    }
    let mut one_step = dims;
    one_step[0] = 1;
    if let Some(state) = &initial {
        check_state(state, one_step)?;
    }
    let (membrane0, synaptic0) = match initial {
        Some(state) => (Some(state.membrane), Some(state.synaptic)),
        None => (None, None),
    };
    let (out, mut current) = run_neuron(input, membrane0, Some(SynapticPart { alpha: &neuron.alpha, initial: synaptic0 }), None, None, &neuron.lif)?;
    Ok(SynapticOutput { spikes: out.spikes, synaptic: current.remove(0), membrane: out.membrane })
}

/// One step: `input` and the state (from the previous step; zeros if `None`) share a shape.
pub fn synaptic_step<const D: usize>(input: Tensor<D>, state: Option<SynapticState<D>>, neuron: &SynapticNeuron) -> Result<SynapticOutput<D>> {
    let dims = input.dims();
    if let Some(state) = &state {
        check_state(state, dims)?;
    }
    let neurons = dims.iter().product::<usize>();
    let flat = |t: Tensor<D>| t.reshape([1, neurons]);
    let state = state.map(|s| SynapticState { synaptic: flat(s.synaptic), membrane: flat(s.membrane) });
    let neuron = SynapticNeuron {
        lif: LifNeuron {
            spec: neuron.lif.spec,
            beta: flat_step_parameter(&neuron.lif.beta, "beta", &dims)?,
            threshold: flat_step_parameter(&neuron.lif.threshold, "threshold", &dims)?,
        },
        alpha: flat_step_parameter(&neuron.alpha, "alpha", &dims)?,
    };
    let out = synaptic(flat(input), state, &neuron)?;
    Ok(SynapticOutput { spikes: out.spikes.reshape(dims), synaptic: out.synaptic.reshape(dims), membrane: out.membrane.reshape(dims) })
}
