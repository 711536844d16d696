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

use super::graded::{grade, graded_factor};
use super::parameter::f32_param;
use crate::error::{NeuroError, Result};
use crate::neuron::{LifSpec, ResetMode, SavedState, StateQuant, Surrogate};
use crate::ops::lif::{LifNeuron, NeuronParameter, flat_step_parameter, lif_step};
use crate::ops::recurrent::{RecurrentNeuron, RecurrentOutput, RecurrentState, recurrent, recurrent_step};
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
    /// Scale of the emitted spikes (snnTorch's `graded_spikes_factor`); the recurrence sees
    /// the scaled spikes, the reset the binary ones, as in snnTorch.
    #[config(default = 1.0)]
    pub graded_spikes_factor: f32,
    #[config(default = false)]
    pub learn_graded_spikes: bool,
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
    /// Graded-spike factor `[1]`; `None` means plain binary spikes.
    pub graded_spikes: Option<Param<Tensor<1>>>,
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
            graded_spikes: graded_factor(self.graded_spikes_factor, self.learn_graded_spikes, device)?,
            features: self.features,
            spec,
        })
    }
}

impl RLeaky {
    /// `input` is `[T, ..., features]`; the state is `[1, ..., features]` (zeros if `None`;
    /// `synaptic` only for `RSynaptic`; `spikes` as this layer emits them, graded or not).
    pub fn forward<const D: usize>(&self, input: Tensor<D>, initial: Option<RecurrentState<D>>) -> Result<RecurrentOutput<D>> {
        let dims = input.dims();
        if D < 2 || dims[D - 1] != self.features || dims[0] == 0 {
            return Err(NeuroError::Shape { argument: "input", actual: dims.to_vec(), expected: format!("[T >= 1, ..., {}]", self.features) });
        }
        match (&self.one_to_one, &self.all_to_all) {
            (Some(weight), _) => {
                let (input, initial) = match (initial, &self.graded_spikes) {
                    (Some(state), Some(_)) => {
                        let steps = dims[0];
                        let (first, state) = self.fold_graded_spikes(input.clone().slice([0..1]), state, weight, "initial_spike")?;
                        let input = if steps == 1 { first } else { Tensor::cat(vec![first, input.slice([1..steps])], 0) };
                        (input, Some(state))
                    }
                    (initial, _) => (input, initial),
                };
                let out = recurrent(input, initial, &self.one_to_one_neuron(weight))?;
                Ok(RecurrentOutput { spikes: grade(out.spikes, &self.graded_spikes), ..out })
            }
            (None, Some(linear)) => {
                let mut step_dims = dims;
                step_dims[0] = 1;
                let neurons = self.step_neurons(&step_dims[1..])?;
                let mut state = self.first_state(&input, initial, step_dims)?;
                let (mut spikes, mut membranes, mut currents) = (Vec::new(), Vec::new(), Vec::new());
                for t in 0..dims[0] {
                    let out = self.all_to_all_step(input.clone().slice([t..t + 1]), state, linear, &neurons)?;
                    spikes.push(out.spikes.clone());
                    membranes.push(out.membrane.clone());
                    currents.extend(out.synaptic.clone());
                    state = RecurrentState { membrane: out.membrane, spikes: out.spikes, synaptic: out.synaptic };
                }
                Ok(RecurrentOutput {
                    spikes: Tensor::cat(spikes, 0),
                    membrane: Tensor::cat(membranes, 0),
                    synaptic: (!currents.is_empty()).then(|| Tensor::cat(currents, 0)),
                })
            }
            (None, None) => unreachable!("init builds one recurrence"),
        }
    }

    /// One step: `input` is `[..., features]` and the state (from the previous step, zeros if
    /// `None`) has the same shape.
    pub fn step<const D: usize>(&self, input: Tensor<D>, state: Option<RecurrentState<D>>) -> Result<RecurrentOutput<D>> {
        let dims = input.dims();
        if dims[D - 1] != self.features {
            return Err(NeuroError::Shape { argument: "input", actual: dims.to_vec(), expected: format!("[..., {}]", self.features) });
        }
        match (&self.one_to_one, &self.all_to_all) {
            (Some(weight), _) => {
                let (input, state) = match (state, &self.graded_spikes) {
                    (Some(state), Some(_)) => {
                        let (input, state) = self.fold_graded_spikes(input, state, weight, "state")?;
                        (input, Some(state))
                    }
                    (state, _) => (input, state),
                };
                let out = recurrent_step(input, state, &self.one_to_one_neuron(weight))?;
                Ok(RecurrentOutput { spikes: grade(out.spikes, &self.graded_spikes), ..out })
            }
            (None, Some(linear)) => {
                let state = self.first_state(&input, state, dims)?;
                self.all_to_all_step(input, state, linear, &self.step_neurons(&dims)?)
            }
            (None, None) => unreachable!("init builds one recurrence"),
        }
    }

    /// The one-to-one neuron; with graded spikes the recurrence sees g·S, i.e. weight V·g.
    fn one_to_one_neuron(&self, weight: &Param<Tensor<1>>) -> RecurrentNeuron {
        let weight = match &self.graded_spikes {
            Some(factor) => weight.val() * factor.val(),
            None => weight.val(),
        };
        RecurrentNeuron { lif: self.lif(), weight: NeuronParameter::Tensor(weight), alpha: self.alpha() }
    }

    /// With graded spikes, the given (already scaled) spikes enter as V·S added to `input`, one
    /// step shaped like them, and the kernel, whose S[-1] is weighted by V·g, starts from no
    /// spike: exact without dividing by g.
    fn fold_graded_spikes<const D: usize>(
        &self,
        input: Tensor<D>,
        state: RecurrentState<D>,
        weight: &Param<Tensor<1>>,
        argument: &'static str,
    ) -> Result<(Tensor<D>, RecurrentState<D>)> {
        let dims = input.dims();
        if state.spikes.dims() != dims {
            return Err(NeuroError::Shape { argument, actual: state.spikes.dims().to_vec(), expected: format!("{dims:?}") });
        }
        let v = weight.val();
        let v = v.clone().cast(input.dtype()).reshape(last_axis::<D>(v.dims()[0]));
        let input = input + state.spikes.clone() * v;
        Ok((input, RecurrentState { spikes: state.spikes.zeros_like(), ..state }))
    }

    /// The step's LIF and (for `RSynaptic`) synaptic neuron, with per-neuron parameters tiled
    /// to one step of `step_dims` once rather than at every step.
    fn step_neurons(&self, step_dims: &[usize]) -> Result<(LifNeuron, Option<SynapticNeuron>)> {
        let flat = |parameter: &NeuronParameter, argument| flat_step_parameter(parameter, argument, step_dims);
        let lif = self.lif();
        let lif = LifNeuron { spec: lif.spec, beta: flat(&lif.beta, "beta")?, threshold: flat(&lif.threshold, "threshold")? };
        let synaptic = match self.alpha() {
            Some(alpha) => Some(SynapticNeuron { lif: lif.clone(), alpha: flat(&alpha, "alpha")? }),
            None => None,
        };
        Ok((lif, synaptic))
    }

    /// The state before an all-to-all step: the given one, checked, or zeros.
    fn first_state<const D: usize>(&self, like: &Tensor<D>, state: Option<RecurrentState<D>>, dims: [usize; D]) -> Result<RecurrentState<D>> {
        let zeros = || Tensor::zeros(dims, (&like.device(), like.dtype()));
        let state = state.unwrap_or_else(|| RecurrentState { membrane: zeros(), spikes: zeros(), synaptic: self.alpha.as_ref().map(|_| zeros()) });
        for (argument, tensor) in [("initial", Some(&state.membrane)), ("initial_spike", Some(&state.spikes)), ("initial_synaptic", state.synaptic.as_ref())] {
            if let Some(tensor) = tensor {
                if tensor.dims() != dims {
                    return Err(NeuroError::Shape { argument, actual: tensor.dims().to_vec(), expected: format!("{dims:?}") });
                }
            }
        }
        if state.synaptic.is_some() && self.alpha.is_none() {
            return Err(NeuroError::Shape { argument: "initial_synaptic", actual: dims.to_vec(), expected: "none: an RLeaky layer has no synaptic current".into() });
        }
        Ok(state)
    }

    /// `X[t] + Linear(S[t-1])` (S as emitted, graded or not), then one neuron step. A zero
    /// initial spike state still passes the bias, as in snnTorch.
    fn all_to_all_step<const D: usize>(
        &self,
        input: Tensor<D>,
        state: RecurrentState<D>,
        linear: &Linear,
        (lif, synaptic): &(LifNeuron, Option<SynapticNeuron>),
    ) -> Result<RecurrentOutput<D>> {
        let dtype = input.dtype();
        let weight_dtype = linear.weight.val().dtype();
        let drive = input + linear.forward(state.spikes.cast(weight_dtype)).cast(dtype);
        let (spikes, membrane, current) = match synaptic {
            Some(neuron) => {
                let current = state.synaptic.unwrap_or_else(|| drive.zeros_like());
                let out = synaptic_step(drive, Some(SynapticState { membrane: state.membrane, synaptic: current }), neuron)?;
                (out.spikes, out.membrane, Some(out.synaptic))
            }
            None => {
                let out = lif_step(drive, Some(state.membrane), lif)?;
                (out.spikes, out.membrane, None)
            }
        };
        Ok(RecurrentOutput { spikes: grade(spikes, &self.graded_spikes), membrane, synaptic: current })
    }

    fn lif(&self) -> LifNeuron {
        LifNeuron { spec: self.spec, beta: NeuronParameter::Tensor(self.beta.val()), threshold: NeuronParameter::Tensor(self.threshold.val()) }
    }

    fn alpha(&self) -> Option<NeuronParameter> {
        self.alpha.as_ref().map(|alpha| NeuronParameter::Tensor(alpha.val()))
    }
}

/// `[1, ..., 1, len]`: a per-feature vector broadcast along the last axis.
fn last_axis<const D: usize>(len: usize) -> [usize; D] {
    let mut dims = [1; D];
    dims[D - 1] = len;
    dims
}
