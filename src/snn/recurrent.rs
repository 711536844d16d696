//! `RLeaky` and `RSynaptic`: snnTorch's recurrent neurons as a Burn module.
//!
//! One-to-one recurrence (`all_to_all = false`, a single weight V) runs inside the fused kernel.
//! All-to-all recurrence (snnTorch's default) feeds the previous spikes through a
//! `burn::nn::Linear` (weight and bias, as snnTorch's `nn.Linear`) before each step, so it runs
//! one kernel launch and one matmul per step.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::parameter::f32_param;
use crate::error::{NeuroError, Result};
use crate::neuron::{LifSpec, ResetMode, SavedState, StateQuant, Surrogate};
use crate::ops::lif::{LifNeuron, NeuronParameter, flat_step_parameter, lif_step};
use crate::ops::recurrent::{RecurrentNeuron, RecurrentOutput, RecurrentState, recurrent};
use crate::ops::synaptic::{SynapticNeuron, SynapticState, synaptic_step};

/// Configuration of an [`RLeaky`] layer (an `RSynaptic` one when `alpha` is set); defaults
/// follow snnTorch. snnTorch's zero reset for these neurons is [`ResetMode::ZeroAll`].
#[derive(Config, Debug)]
pub struct RLeakyConfig {
    /// Membrane decay β, in [0, 1].
    pub beta: f32,
    /// Neurons per step: the input's last dimension and the all-to-all Linear's size
    /// (snnTorch's `linear_features`).
    pub features: usize,
    /// Synaptic current decay α in [0, 1]: makes the layer `RSynaptic`.
    #[config(default = "None")]
    pub alpha: Option<f32>,
    /// Recurrence through a `features × features` Linear (snnTorch's default) instead of one
    /// weight V per layer.
    #[config(default = true)]
    pub all_to_all: bool,
    /// V of the one-to-one recurrence.
    #[config(default = 1.0)]
    pub recurrent_weight: f32,
    /// Train the recurrent weights (snnTorch's default).
    #[config(default = true)]
    pub learn_recurrent: bool,
    #[config(default = 1.0)]
    pub threshold: f32,
    #[config(default = "ResetMode::Subtract")]
    pub reset: ResetMode,
    #[config(default = true)]
    pub reset_delay: bool,
    #[config(default = "Surrogate::Atan { alpha: 2.0 }")]
    pub surrogate: Surrogate,
    #[config(default = false)]
    pub learn_alpha: bool,
    #[config(default = false)]
    pub learn_beta: bool,
    #[config(default = false)]
    pub learn_threshold: bool,
    #[config(default = "None")]
    pub state_quant: Option<StateQuant>,
    /// What autodiff keeps for the backward: `SavedState::Compact` for memory-light BPTT
    /// (bit-packed spikes, f16 states).
    #[config(default = "SavedState::Full")]
    pub saved_state: SavedState,
    /// One β, θ, α and V per neuron (`features` of each) instead of one per layer.
    #[config(default = false)]
    pub per_neuron: bool,
}

/// A layer of recurrent LIF neurons; α, β, θ and V are f32 parameters, `[1]` or `[features]`.
#[derive(Module, Debug)]
pub struct RLeaky {
    pub beta: Param<Tensor<1>>,
    pub threshold: Param<Tensor<1>>,
    /// `RSynaptic`'s current decay.
    pub alpha: Option<Param<Tensor<1>>>,
    /// V of the one-to-one recurrence.
    pub one_to_one: Option<Param<Tensor<1>>>,
    /// The all-to-all recurrence, applied to the previous spikes.
    pub all_to_all: Option<Linear>,
    #[module(skip)]
    pub features: usize,
    #[module(skip)]
    pub spec: LifSpec,
}

impl RLeakyConfig {
    /// Builds the layer on `device`, checking every value.
    pub fn init(&self, device: &Device) -> Result<RLeaky> {
        if self.features == 0 {
            return Err(NeuroError::Range { argument: "features", value: "0".into(), expected: "at least 1".into() });
        }
        for (argument, value) in [("beta", Some(self.beta)), ("alpha", self.alpha)] {
            if let Some(value) = value {
                if !(0.0..=1.0).contains(&value) {
                    return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a finite value in [0, 1]".into() });
                }
            }
        }
        for (argument, value) in [("threshold", self.threshold), ("recurrent_weight", self.recurrent_weight)] {
            if !value.is_finite() {
                return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a finite value".into() });
            }
        }
        let spec = LifSpec { reset: self.reset, reset_delay: self.reset_delay, surrogate: self.surrogate, state_quant: self.state_quant, saved_state: self.saved_state };
        spec.validate()?;
        let count = if self.per_neuron { self.features } else { 1 };
        let param = |value: f32, learn: bool| f32_param(vec![value; count], learn, device);
        let (one_to_one, all_to_all) = if self.all_to_all {
            let linear = LinearConfig::new(self.features, self.features).init(device);
            let linear = if self.learn_recurrent { linear } else { linear.no_grad() };
            (None, Some(linear))
        } else {
            (Some(param(self.recurrent_weight, self.learn_recurrent)), None)
        };
        Ok(RLeaky {
            beta: param(self.beta, self.learn_beta),
            threshold: param(self.threshold, self.learn_threshold),
            alpha: self.alpha.map(|alpha| param(alpha, self.learn_alpha)),
            one_to_one,
            all_to_all,
            features: self.features,
            spec,
        })
    }
}

impl RLeaky {
    /// `input` is `[T, ..., features]`; the state is `[1, ..., features]` (zeros if `None`;
    /// `synaptic` only for `RSynaptic`).
    pub fn forward<const D: usize>(&self, input: Tensor<D>, initial: Option<RecurrentState<D>>) -> Result<RecurrentOutput<D>> {
        let dims = input.dims();
        if D < 2 || dims[D - 1] != self.features || dims[0] == 0 {
            return Err(NeuroError::Shape { argument: "input", actual: dims.to_vec(), expected: format!("[T >= 1, ..., {}]", self.features) });
        }
        match (&self.one_to_one, &self.all_to_all) {
            (Some(weight), _) => {
                let neuron = RecurrentNeuron { lif: self.lif(), weight: NeuronParameter::Tensor(weight.val()), alpha: self.alpha() };
                recurrent(input, initial, &neuron)
            }
            (None, Some(linear)) => self.forward_all_to_all(input, initial, linear),
            (None, None) => unreachable!("init builds one recurrence"),
        }
    }

    /// One launch and one matmul per step: `X[t] + Linear(S[t-1])`, with S[-1] the initial
    /// spikes (zeros by default, so the bias already enters at t = 0, as in snnTorch).
    fn forward_all_to_all<const D: usize>(&self, input: Tensor<D>, initial: Option<RecurrentState<D>>, linear: &Linear) -> Result<RecurrentOutput<D>> {
        let dims = input.dims();
        let dtype = input.dtype();
        let mut step_dims = dims;
        step_dims[0] = 1;
        let (mut membrane, mut spikes, mut current) = match initial {
            Some(state) => (Some(state.membrane), state.spikes, state.synaptic),
            None => (None, Tensor::zeros(step_dims, (&input.device(), dtype)), None),
        };
        if spikes.dims() != step_dims {
            return Err(NeuroError::Shape { argument: "initial_spike", actual: spikes.dims().to_vec(), expected: format!("{step_dims:?}") });
        }
        if current.is_some() && self.alpha.is_none() {
            return Err(NeuroError::Shape { argument: "initial_synaptic", actual: step_dims.to_vec(), expected: "none: an RLeaky layer has no synaptic current".into() });
        }
        // Built once: per-neuron parameters are tiled to the step's size here, not every step.
        let flat = |parameter: &NeuronParameter, argument| flat_step_parameter(parameter, argument, &step_dims[1..]);
        let lif = self.lif();
        let lif = LifNeuron { spec: lif.spec, beta: flat(&lif.beta, "beta")?, threshold: flat(&lif.threshold, "threshold")? };
        let synaptic_neuron = match self.alpha() {
            Some(alpha) => Some(SynapticNeuron { lif: lif.clone(), alpha: flat(&alpha, "alpha")? }),
            None => None,
        };
        let weight_dtype = linear.weight.val().dtype();
        let (mut all_spikes, mut membranes, mut currents) = (Vec::new(), Vec::new(), Vec::new());
        for t in 0..dims[0] {
            let drive = input.clone().slice([t..t + 1]) + linear.forward(spikes.cast(weight_dtype)).cast(dtype);
            match &synaptic_neuron {
                Some(neuron) => {
                    let state = match (membrane.take(), current.take()) {
                        (None, None) => None,
                        (m, c) => Some(SynapticState {
                            membrane: m.unwrap_or_else(|| drive.zeros_like()),
                            synaptic: c.unwrap_or_else(|| drive.zeros_like()),
                        }),
                    };
                    let out = synaptic_step(drive, state, neuron)?;
                    currents.push(out.synaptic.clone());
                    current = Some(out.synaptic);
                    membrane = Some(out.membrane.clone());
                    membranes.push(out.membrane);
                    spikes = out.spikes;
                }
                None => {
                    let out = lif_step(drive, membrane.take(), &lif)?;
                    membrane = Some(out.membrane.clone());
                    membranes.push(out.membrane);
                    spikes = out.spikes;
                }
            }
            all_spikes.push(spikes.clone());
        }
        Ok(RecurrentOutput {
            spikes: Tensor::cat(all_spikes, 0),
            membrane: Tensor::cat(membranes, 0),
            synaptic: (!currents.is_empty()).then(|| Tensor::cat(currents, 0)),
        })
    }

    fn lif(&self) -> LifNeuron {
        LifNeuron { spec: self.spec, beta: NeuronParameter::Tensor(self.beta.val()), threshold: NeuronParameter::Tensor(self.threshold.val()) }
    }

    fn alpha(&self) -> Option<NeuronParameter> {
        self.alpha.as_ref().map(|alpha| NeuronParameter::Tensor(alpha.val()))
    }
}
