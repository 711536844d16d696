//! snnTorch's `Alpha` neuron (a dual-exponential LIF), fused over T steps on its own kernel
//! pair. The input drives an excitatory current `E[t] = α·E[t-1] + X[t]` and an inhibitory one
//! `H[t] = β·H[t-1] − X[t]`; the membrane `U[t] = τ_α·(E[t] + H[t])` with
//! `τ_α = ln α / (ln β − ln α) + 1` rises and decays like an alpha function after an input
//! spike. Resets follow snnTorch's code (always delayed by one step):
//! - zero (snnTorch's default for `Alpha`): E, H and U all restart from zero;
//! - subtract: `E −= θ`, H restarts from zero, and U adds back the previous H;
//! - none: no reset.

use burn::tensor::Tensor;

use super::lif::{AlphaPart, LifNeuron, NeuronParameter, flat_step_parameter, run_neuron};
use crate::error::{NeuroError, Result};
use crate::neuron::{LifSpec, ResetMode};

/// An alpha neuron: the LIF part (β as the inhibitory decay, θ, reset, surrogate, quantizer)
/// and the excitatory decay α.
#[derive(Debug, Clone)]
pub struct AlphaNeuron {
    pub lif: LifNeuron,
    /// Excitatory current decay α, in [0, 1]; must exceed β for a positive input to raise the
    /// membrane.
    pub alpha: NeuronParameter,
}

impl AlphaNeuron {
    /// snnTorch's `Alpha(alpha, beta)` defaults: θ = 1, zero reset, atan surrogate.
    pub fn new(alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        let spec = LifSpec { reset: ResetMode::Zero, ..LifSpec::snntorch_default() };
        AlphaNeuron { lif: LifNeuron::new(beta).with_spec(spec), alpha: alpha.into() }
    }

    /// The checks snnTorch makes when it builds an `Alpha`, plus the spec choices this neuron
    /// does not have. α > β and β ≠ 1 are checked where both are scalars (a learnable tensor
    /// is not read back to the host on every call).
    pub fn validate(&self) -> Result<()> {
        let spec = &self.lif.spec;
        if !spec.reset_delay {
            return Err(NeuroError::Range {
                argument: "reset_delay",
                value: "false".into(),
                expected: "true: snnTorch's Alpha always resets on the step after a spike".into(),
            });
        }
        if spec.reset == ResetMode::ZeroAll {
            return Err(NeuroError::Range {
                argument: "reset",
                value: "ZeroAll".into(),
                expected: "Subtract, Zero or None (Alpha's Zero already clears every state)".into(),
            });
        }
        if let (NeuronParameter::Scalar(alpha), NeuronParameter::Scalar(beta)) = (&self.alpha, &self.lif.beta) {
            check_decays(*alpha, *beta)?;
        }
        Ok(())
    }
}

/// snnTorch's `Alpha` rules: α > β (else the membrane answers a positive input with a negative
/// response) and β ≠ 1 (τ_α divides by ln β − ln α).
pub(crate) fn check_decays(alpha: f32, beta: f32) -> Result<()> {
    if !(alpha > beta) {
        return Err(NeuroError::Range {
            argument: "alpha",
            value: alpha.to_string(),
            expected: format!("greater than beta = {beta}"),
        });
    }
    if beta == 1.0 {
        return Err(NeuroError::Range { argument: "beta", value: "1".into(), expected: "less than 1 (τ_α = ln α / (ln β − ln α) + 1)".into() });
    }
    Ok(())
}

/// Spikes, both currents and the membrane, each shaped like the input.
#[derive(Debug, Clone)]
pub struct AlphaOutput<const D: usize> {
    pub spikes: Tensor<D>,
    pub excitatory: Tensor<D>,
    pub inhibitory: Tensor<D>,
    pub membrane: Tensor<D>,
}

/// The state before the first step: `[1, ...]` each for [`alpha`], shaped like the input for
/// [`alpha_step`].
#[derive(Debug, Clone)]
pub struct AlphaState<const D: usize> {
    pub excitatory: Tensor<D>,
    pub inhibitory: Tensor<D>,
    pub membrane: Tensor<D>,
}

impl<const D: usize> AlphaState<D> {
    fn check(&self, expected: [usize; D]) -> Result<()> {
        let rows = [("initial_excitatory", &self.excitatory), ("initial_inhibitory", &self.inhibitory), ("initial", &self.membrane)];
        for (argument, tensor) in rows {
            if tensor.dims() != expected {
                return Err(NeuroError::Shape { argument, actual: tensor.dims().to_vec(), expected: format!("{expected:?}") });
            }
        }
        Ok(())
    }
}

/// Runs T steps in one launch: `input` is `[T, ...]`, the state `[1, ...]` (zeros if `None`).
pub fn alpha<const D: usize>(input: Tensor<D>, initial: Option<AlphaState<D>>, neuron: &AlphaNeuron) -> Result<AlphaOutput<D>> {
    neuron.validate()?;
    let dims = input.dims();
    if dims[0] == 0 {
        return Err(NeuroError::Shape { argument: "input", actual: dims.to_vec(), expected: "[T, ...] with T >= 1 time steps".into() });
    }
    let mut one_step = dims;
    one_step[0] = 1;
    if let Some(state) = &initial {
        state.check(one_step)?;
    }
    let (membrane, excitatory, inhibitory) = match initial {
        Some(s) => (Some(s.membrane), Some(s.excitatory), Some(s.inhibitory)),
        None => (None, None, None),
    };
    let part = AlphaPart { alpha: &neuron.alpha, excitatory, inhibitory };
    let (out, currents) = run_neuron(input, membrane, None, None, Some(part), &neuron.lif)?;
    let [excitatory, inhibitory]: [Tensor<D>; 2] = currents.try_into().expect("alpha runs return two currents");
    Ok(AlphaOutput { spikes: out.spikes, excitatory, inhibitory, membrane: out.membrane })
}

/// One step: `input` and the state (from the previous step; zeros if `None`) share a shape.
pub fn alpha_step<const D: usize>(input: Tensor<D>, state: Option<AlphaState<D>>, neuron: &AlphaNeuron) -> Result<AlphaOutput<D>> {
    let dims = input.dims();
    if let Some(state) = &state {
        state.check(dims)?;
    }
    let neurons = dims.iter().product::<usize>();
    let flat = |t: Tensor<D>| t.reshape([1, neurons]);
    let state = state.map(|s| AlphaState { excitatory: flat(s.excitatory), inhibitory: flat(s.inhibitory), membrane: flat(s.membrane) });
    let neuron = AlphaNeuron {
        lif: LifNeuron {
            spec: neuron.lif.spec,
            beta: flat_step_parameter(&neuron.lif.beta, "beta", &dims)?,
            threshold: flat_step_parameter(&neuron.lif.threshold, "threshold", &dims)?,
        },
        alpha: flat_step_parameter(&neuron.alpha, "alpha", &dims)?,
    };
    let out = alpha(flat(input), state, &neuron)?;
    let back = |t: Tensor<2>| t.reshape(dims);
    Ok(AlphaOutput { spikes: back(out.spikes), excitatory: back(out.excitatory), inhibitory: back(out.inhibitory), membrane: back(out.membrane) })
}
