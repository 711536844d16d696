//! `RLeaky` and `RSynaptic`: snnTorch's recurrent neurons as a Burn module.
//!
//! One-to-one recurrence (`all_to_all = false`, a single weight V) runs inside the fused kernel.
//! All-to-all recurrence (snnTorch's default) feeds the previous spikes through a
//! `burn::nn::Linear` (weight and bias, as snnTorch's `nn.Linear`) before each step, so it runs
//! one kernel launch and one matmul per step.

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::config::neuron_config;
use super::graded::grade;
use super::layer::neuron_layer;
use super::parameter::f32_param;
use crate::error::{NeuroError, Result};
#[cfg(doc)]
use crate::neuron::ResetMode;
use crate::neuron::{Coefficient, LifSpec, NeuronKind};
use crate::ops::neuron::{Neuron, NeuronOutput, NeuronParameter, NeuronState, flat_step_neuron, neuron_forward, neuron_step};

neuron_config! {
    /// Configuration of an [`RLeaky`] layer (an `RSynaptic` one when `alpha` is set); defaults
    /// follow snnTorch; `reset: Zero` is snnTorch's zero reset of these neurons ([`ResetMode::ZeroAll`]). With
    /// graded spikes the recurrence sees the scaled spikes, the reset the binary ones, as in
    /// snnTorch.
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
        /// Firing threshold θ.
        #[config(default = 1.0)]
        pub threshold: f32,
        /// Train α.
        #[config(default = false)]
        pub learn_alpha: bool,
        /// Train β.
        #[config(default = false)]
        pub learn_beta: bool,
        /// Train θ.
        #[config(default = false)]
        pub learn_threshold: bool,
        /// One β, θ, α and V per neuron (`features` of each) instead of one per layer.
        #[config(default = false)]
        pub per_neuron: bool,
    }
    default_reset = "crate::neuron::ResetMode::Subtract";
    zero_reset = crate::neuron::ResetMode::ZeroAll;
}

/// A layer of recurrent LIF neurons; α, β, θ and V are f32 parameters, `[1]` or `[features]`.
#[derive(Module, Debug)]
pub struct RLeaky {
    /// Membrane decay, `[1]` or `[features]`.
    pub beta: Param<Tensor<1>>,
    /// Threshold, `[1]` or `[features]`.
    pub threshold: Param<Tensor<1>>,
    /// `RSynaptic`'s current decay.
    pub alpha: Option<Param<Tensor<1>>>,
    /// V of the one-to-one recurrence.
    pub one_to_one: Option<Param<Tensor<1>>>,
    /// The all-to-all recurrence, applied to the previous spikes.
    pub all_to_all: Option<Linear>,
    /// Graded-spike factor `[1]`; `None` means plain binary spikes.
    pub graded_spikes: Option<Param<Tensor<1>>>,
    /// Neurons per step (the input's last dimension).
    #[module(skip)]
    pub features: usize,
    /// Reset, delay, surrogate, quantizer and saved state.
    #[module(skip)]
    pub spec: LifSpec,
    /// A surrogate of the user's own (see [`with_custom_surrogate`](Self::with_custom_surrogate)).
    #[module(skip)]
    pub custom_surrogate: Option<crate::neuron::CustomSurrogate>,
}

impl RLeakyConfig {
    /// Builds the layer on `device`, checking every value.
    pub fn init(&self, device: &Device) -> Result<RLeaky> {
        if self.features == 0 {
            return Err(NeuroError::Range { argument: "features", value: "0".into(), expected: "at least 1".into() });
        }
        Coefficient::Beta.check(self.beta)?;
        if let Some(alpha) = self.alpha {
            Coefficient::Alpha.check(alpha)?;
        }
        Coefficient::Threshold.check(self.threshold)?;
        Coefficient::RecurrentWeight.check(self.recurrent_weight)?;
        let spec = self.spec()?;
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
            graded_spikes: self.graded_spikes(device)?,
            features: self.features,
            spec,
            custom_surrogate: None,
        })
    }
}

impl RLeaky {
    /// All steps: `input` is `[T, ..., features]`; the state is `[1, ..., features]` (zeros if
    /// `None`; `synaptic` only for `RSynaptic`; `spikes` as this layer emits them, graded or not).
    fn multi_step<const D: usize>(&self, input: Tensor<D>, initial: Option<NeuronState<D>>) -> Result<NeuronOutput<D>> {
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
                let out = neuron_forward(input, initial, &self.one_to_one_neuron(weight))?;
                Ok(NeuronOutput { spikes: grade(out.spikes, &self.graded_spikes), ..out })
            }
            (None, Some(linear)) => {
                let mut step_dims = dims;
                step_dims[0] = 1;
                let neuron = flat_step_neuron(&self.step_neuron(), &step_dims[1..])?;
                let mut state = self.first_state(&input, initial, step_dims)?;
                let mut outputs = Vec::with_capacity(dims[0]);
                for t in 0..dims[0] {
                    let out = self.all_to_all_step(input.clone().slice([t..t + 1]), state, linear, &neuron)?;
                    state = out.final_state();
                    outputs.push(out);
                }
                Ok(NeuronOutput::cat(outputs))
            }
            (None, None) => unreachable!("init builds one recurrence"),
        }
    }

    /// One step: `input` is `[..., features]` and the state (from the previous step, zeros if
    /// `None`) has the same shape.
    fn single_step<const D: usize>(&self, input: Tensor<D>, state: Option<NeuronState<D>>) -> Result<NeuronOutput<D>> {
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
                let out = neuron_step(input, state, &self.one_to_one_neuron(weight))?;
                Ok(NeuronOutput { spikes: grade(out.spikes, &self.graded_spikes), ..out })
            }
            (None, Some(linear)) => {
                let state = self.first_state(&input, state, dims)?;
                self.all_to_all_step(input, state, linear, &flat_step_neuron(&self.step_neuron(), &dims)?)
            }
            (None, None) => unreachable!("init builds one recurrence"),
        }
    }

    /// Runs all steps, or one when `step`.
    fn fused<const D: usize>(&self, input: Tensor<D>, state: Option<NeuronState<D>>, step: bool) -> Result<NeuronOutput<D>> {
        if step { self.single_step(input, state) } else { self.multi_step(input, state) }
    }

    /// The kind of the fused one-to-one neuron.
    fn kind(&self) -> NeuronKind {
        if self.alpha.is_some() { NeuronKind::RSynaptic } else { NeuronKind::RLeaky }
    }

    /// The neuron with this layer's β, θ, α, spec, of `kind`.
    fn neuron_of(&self, kind: NeuronKind) -> Neuron {
        let alpha: NeuronParameter = self.alpha.as_ref().map_or(0.0.into(), |alpha| alpha.val().into());
        Neuron::new(kind, alpha, self.beta.val())
            .with_threshold(self.threshold.val())
            .with_spec(self.spec)
            .with_custom_surrogate(self.custom_surrogate.clone())
    }

    /// The one-to-one neuron; with graded spikes the recurrence sees g·S, i.e. weight V·g.
    fn one_to_one_neuron(&self, weight: &Param<Tensor<1>>) -> Neuron {
        let weight = match &self.graded_spikes {
            Some(factor) => weight.val() * factor.val(),
            None => weight.val(),
        };
        self.neuron_of(self.kind()).with_recurrent_weight(weight)
    }

    /// With graded spikes, the given (already scaled) spikes enter as V·S added to `input`, one
    /// step shaped like them, and the kernel, whose S[-1] is weighted by V·g, starts from no
    /// spike: exact without dividing by g.
    fn fold_graded_spikes<const D: usize>(
        &self,
        input: Tensor<D>,
        state: NeuronState<D>,
        weight: &Param<Tensor<1>>,
        argument: &'static str,
    ) -> Result<(Tensor<D>, NeuronState<D>)> {
        let Some(spikes) = state.spikes.clone() else {
            return Ok((input, state));
        };
        let dims = input.dims();
        if spikes.dims() != dims {
            return Err(NeuroError::Shape { argument, actual: spikes.dims().to_vec(), expected: format!("{dims:?}") });
        }
        let v = weight.val();
        let v = v.clone().cast(input.dtype()).reshape(last_axis::<D>(v.dims()[0]));
        let input = input + spikes.clone() * v;
        Ok((input, NeuronState { spikes: Some(spikes.zeros_like()), ..state }))
    }

    /// The neuron an all-to-all step runs (the recurrence is outside it): `Leaky` or `Synaptic`.
    fn step_neuron(&self) -> Neuron {
        self.neuron_of(if self.alpha.is_some() { NeuronKind::Synaptic } else { NeuronKind::Leaky })
    }

    /// The state before an all-to-all step: the given one, checked, or zeros.
    fn first_state<const D: usize>(&self, like: &Tensor<D>, state: Option<NeuronState<D>>, dims: [usize; D]) -> Result<NeuronState<D>> {
        let zeros = || Tensor::zeros(dims, (&like.device(), like.dtype()));
        let mut state = state.unwrap_or_else(|| NeuronState::new(zeros()));
        if state.synaptic.is_some() && self.alpha.is_none() {
            return Err(NeuroError::Shape {
                argument: "initial_synaptic",
                actual: dims.to_vec(),
                expected: "none: an RLeaky layer has no synaptic current".into(),
            });
        }
        if self.alpha.is_some() && state.synaptic.is_none() {
            state.synaptic = Some(zeros());
        }
        state.spikes = Some(state.spikes.unwrap_or_else(zeros));
        for (argument, tensor) in
            [("initial", Some(&state.membrane)), ("initial_spike", state.spikes.as_ref()), ("initial_synaptic", state.synaptic.as_ref())]
        {
            if let Some(tensor) = tensor {
                if tensor.dims() != dims {
                    return Err(NeuroError::Shape { argument, actual: tensor.dims().to_vec(), expected: format!("{dims:?}") });
                }
            }
        }
        Ok(state)
    }

    /// `X[t] + Linear(S[t-1])` (S as emitted, graded or not), then one neuron step. A zero
    /// initial spike state still passes the bias, as in snnTorch.
    fn all_to_all_step<const D: usize>(&self, input: Tensor<D>, state: NeuronState<D>, linear: &Linear, neuron: &Neuron) -> Result<NeuronOutput<D>> {
        let dtype = input.dtype();
        let weight_dtype = linear.weight.val().dtype();
        let spikes = state.spikes.clone().expect("first_state sets the spikes");
        let drive = input + linear.forward(spikes.cast(weight_dtype)).cast(dtype);
        let out = neuron_step(drive, Some(NeuronState { spikes: None, ..state }), neuron)?;
        // The state of the next step carries S[t-1], as the recurrent kind does.
        Ok(NeuronOutput { kind: self.kind(), spikes: grade(out.spikes, &self.graded_spikes), ..out })
    }
}

impl RLeaky {
    /// Replaces the built-in surrogate with one of the user's own (snnTorch's custom
    /// `spike_grad`); the layer then runs on Burn tensor ops instead of the fused kernels,
    /// several times slower (see [`CustomSurrogate`](crate::neuron::CustomSurrogate)).
    pub fn with_custom_surrogate(mut self, surrogate: crate::neuron::CustomSurrogate) -> Self {
        self.custom_surrogate = Some(surrogate);
        self
    }

    /// Neurons per example of the per-neuron parameters (1 when all are per layer).
    fn neuron_count(&self) -> usize {
        super::layer::neuron_count(&[&self.beta, &self.threshold])
    }
}

neuron_layer!(RLeaky, state);

/// `[1, ..., 1, len]`: a per-feature vector broadcast along the last axis.
fn last_axis<const D: usize>(len: usize) -> [usize; D] {
    let mut dims = [1; D];
    dims[D - 1] = len;
    dims
}
