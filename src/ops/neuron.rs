//! Every neuron kind through one op: [`neuron_forward`] runs T steps in one fused launch and
//! [`neuron_step`] one step, for any row of the neuron table ([`NeuronKind`]). The call's
//! coefficient rows, starting-state rows and output planes all come from that row.
//!
//! In f16 the kernels store X, S and the states as f16 and compute in f32; the multi-step op
//! keeps the state in f32 across its T steps and rounds only what it stores, while a loop of
//! single steps rounds the state between calls.
//!
//! NaN inputs are not rejected (that would need a device read): a NaN current makes the
//! membrane NaN for the rest of the sequence and a NaN membrane never spikes (`NaN > θ` is
//! false), exactly as in snnTorch.

use burn::backend::Dispatch;
use burn::tensor::{DType, Device, FloatDType, Tensor, TensorData};

use crate::backend::LifOps;
use crate::device::{check_storage_dtype, compute_path, max_binding_bytes};
use crate::error::{NeuroError, Result};
use crate::neuron::{Coefficient, LifSpec, NeuronKind, Plane, ResetMode, SavedState};

/// A neuron coefficient (β, θ, α or V): one value for the whole layer, or a learnable tensor.
#[derive(Debug, Clone)]
pub enum NeuronParameter {
    /// The same value for every neuron; validated on the host.
    Scalar(f32),
    /// One value per neuron. Its length must be 1 or the product of a suffix of the per-step
    /// dims (e.g. `features` for `[T, batch, features]`), and it broadcasts over the rest.
    /// Values are not range-checked on every call: β and α are clamped to [0, 1] as in snnTorch.
    Tensor(Tensor<1>),
}

impl From<f32> for NeuronParameter {
    fn from(value: f32) -> Self {
        NeuronParameter::Scalar(value)
    }
}

impl From<Tensor<1>> for NeuronParameter {
    fn from(value: Tensor<1>) -> Self {
        NeuronParameter::Tensor(value)
    }
}

/// A neuron of any kind: its row of the table, its spec and its coefficients.
#[derive(Debug, Clone)]
pub struct Neuron {
    /// Which neuron (and so which coefficients, states and outputs).
    pub kind: NeuronKind,
    /// Reset, delay, surrogate, quantizer and saved state.
    pub spec: LifSpec,
    /// Membrane decay β, in [0, 1] (the inhibitory decay for `Alpha`).
    pub beta: NeuronParameter,
    /// Firing threshold θ.
    pub threshold: NeuronParameter,
    /// Current decay α, in [0, 1] (`Synaptic`, `RSynaptic`, `Alpha`; ignored otherwise).
    pub alpha: NeuronParameter,
    /// One-to-one recurrent weight V (`RLeaky`, `RSynaptic`; ignored otherwise).
    pub recurrent_weight: NeuronParameter,
}

impl Neuron {
    /// A neuron of `kind` with snnTorch's defaults: θ = 1, V = 1, subtract reset (zero for
    /// `Alpha`), delayed, atan surrogate.
    pub fn new(kind: NeuronKind, alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        let mut spec = LifSpec::snntorch_default();
        if kind == NeuronKind::Alpha {
            spec.reset = ResetMode::Zero;
        }
        Neuron { kind, spec, beta: beta.into(), threshold: 1.0.into(), alpha: alpha.into(), recurrent_weight: 1.0.into() }
    }

    /// snnTorch's `Leaky(beta)`.
    pub fn leaky(beta: impl Into<NeuronParameter>) -> Self {
        Neuron::new(NeuronKind::Leaky, 0.0, beta)
    }

    /// snnTorch's `Synaptic(alpha, beta)`.
    pub fn synaptic(alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        Neuron::new(NeuronKind::Synaptic, alpha, beta)
    }

    /// snnTorch's `RLeaky(beta, all_to_all=False)` with V = 1.
    pub fn rleaky(beta: impl Into<NeuronParameter>) -> Self {
        Neuron::new(NeuronKind::RLeaky, 0.0, beta)
    }

    /// snnTorch's `RSynaptic(alpha, beta, all_to_all=False)` with V = 1.
    pub fn rsynaptic(alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        Neuron::new(NeuronKind::RSynaptic, alpha, beta)
    }

    /// snnTorch's `Alpha(alpha, beta)` (zero reset).
    pub fn alpha(alpha: impl Into<NeuronParameter>, beta: impl Into<NeuronParameter>) -> Self {
        Neuron::new(NeuronKind::Alpha, alpha, beta)
    }

    /// Replaces the threshold.
    pub fn with_threshold(mut self, threshold: impl Into<NeuronParameter>) -> Self {
        self.threshold = threshold.into();
        self
    }

    /// Replaces the one-to-one recurrent weight V.
    pub fn with_recurrent_weight(mut self, weight: impl Into<NeuronParameter>) -> Self {
        self.recurrent_weight = weight.into();
        self
    }

    /// Replaces the spec (reset mode, delay, surrogate, quantizer, saved state).
    pub fn with_spec(mut self, spec: LifSpec) -> Self {
        self.spec = spec;
        self
    }

    /// The parameter behind a coefficient row.
    pub fn coefficient(&self, coefficient: Coefficient) -> &NeuronParameter {
        match coefficient {
            Coefficient::Beta => &self.beta,
            Coefficient::Threshold => &self.threshold,
            Coefficient::Alpha => &self.alpha,
            Coefficient::RecurrentWeight => &self.recurrent_weight,
        }
    }

    /// The checks that need no device: the spec, the spec choices of this kind, each scalar
    /// coefficient of this kind, and snnTorch's `Alpha` rules where both decays are scalars.
    pub fn validate(&self) -> Result<()> {
        self.spec.validate()?;
        self.kind.check_spec(&self.spec)?;
        for &coefficient in self.kind.layout().coefficients {
            if let NeuronParameter::Scalar(value) = self.coefficient(coefficient) {
                coefficient.check(*value)?;
            }
        }
        if let (NeuronKind::Alpha, NeuronParameter::Scalar(alpha), NeuronParameter::Scalar(beta)) = (self.kind, &self.alpha, &self.beta) {
            check_alpha_decays(*alpha, *beta)?;
        }
        Ok(())
    }
}

/// snnTorch's `Alpha` rules: α > β (else the membrane answers a positive input with a negative
/// response) and β ≠ 1 (τ_α divides by ln β − ln α).
pub(crate) fn check_alpha_decays(alpha: f32, beta: f32) -> Result<()> {
    if !(alpha > beta) {
        return Err(NeuroError::Range { argument: "alpha", value: alpha.to_string(), expected: format!("greater than beta = {beta}") });
    }
    if beta == 1.0 {
        return Err(NeuroError::Range {
            argument: "beta", value: "1".into(), expected: "less than 1 (τ_α = ln α / (ln β − ln α) + 1)".into()
        });
    }
    Ok(())
}

/// What a neuron call returns: one tensor per output plane of its kind, `[T, ...]` from
/// [`neuron_forward`] and shaped like the input from [`neuron_step`]. Planes a kind does not
/// have are `None`.
#[derive(Debug, Clone)]
pub struct NeuronOutput<const D: usize> {
    /// The kind that produced these planes.
    pub kind: NeuronKind,
    /// S (graded by the layer's factor when a module scales them).
    pub spikes: Tensor<D>,
    /// U.
    pub membrane: Tensor<D>,
    /// I (`Synaptic`, `RSynaptic`).
    pub synaptic: Option<Tensor<D>>,
    /// E (`Alpha`).
    pub excitatory: Option<Tensor<D>>,
    /// H (`Alpha`).
    pub inhibitory: Option<Tensor<D>>,
}

/// The state of a neuron between steps: one tensor per starting-state row of its kind, each
/// `[1, ...]` before [`neuron_forward`] or shaped like the input for [`neuron_step`]. A row left
/// `None` starts from zeros.
#[derive(Debug, Clone)]
pub struct NeuronState<const D: usize> {
    /// U.
    pub membrane: Tensor<D>,
    /// I (`Synaptic`, `RSynaptic`).
    pub synaptic: Option<Tensor<D>>,
    /// E (`Alpha`).
    pub excitatory: Option<Tensor<D>>,
    /// H (`Alpha`).
    pub inhibitory: Option<Tensor<D>>,
    /// S[t-1] (`RLeaky`, `RSynaptic`), as the layer emitted it.
    pub spikes: Option<Tensor<D>>,
}

impl<const D: usize> NeuronState<D> {
    /// A state holding only a membrane.
    pub fn new(membrane: Tensor<D>) -> Self {
        NeuronState { membrane, synaptic: None, excitatory: None, inhibitory: None, spikes: None }
    }

    /// Sets the synaptic current.
    pub fn with_synaptic(mut self, synaptic: Tensor<D>) -> Self {
        self.synaptic = Some(synaptic);
        self
    }

    /// Sets `Alpha`'s excitatory and inhibitory currents.
    pub fn with_currents(mut self, excitatory: Tensor<D>, inhibitory: Tensor<D>) -> Self {
        self.excitatory = Some(excitatory);
        self.inhibitory = Some(inhibitory);
        self
    }

    /// Sets the previous spikes.
    pub fn with_spikes(mut self, spikes: Tensor<D>) -> Self {
        self.spikes = Some(spikes);
        self
    }

    /// The tensor of a plane, if set.
    pub fn plane(&self, plane: Plane) -> Option<&Tensor<D>> {
        match plane {
            Plane::Membrane => Some(&self.membrane),
            Plane::Synaptic => self.synaptic.as_ref(),
            Plane::Excitatory => self.excitatory.as_ref(),
            Plane::Inhibitory => self.inhibitory.as_ref(),
            Plane::Spikes => self.spikes.as_ref(),
        }
    }

    /// Every set plane through `f`.
    pub fn map<const E: usize>(self, mut f: impl FnMut(Tensor<D>) -> Tensor<E>) -> NeuronState<E> {
        NeuronState {
            membrane: f(self.membrane),
            synaptic: self.synaptic.map(&mut f),
            excitatory: self.excitatory.map(&mut f),
            inhibitory: self.inhibitory.map(&mut f),
            spikes: self.spikes.map(&mut f),
        }
    }

    /// Every plane detached from the autodiff graph.
    pub fn detach(self) -> Self {
        self.map(Tensor::detach)
    }

    /// Errors for a plane `kind` has no state row for, or one not shaped `dims`, naming it by
    /// `argument` (`initial_*` before a run, the plane's own name between steps).
    fn check(&self, kind: NeuronKind, dims: [usize; D], argument: fn(Plane) -> &'static str) -> Result<()> {
        for plane in Plane::ALL {
            let Some(tensor) = self.plane(plane) else { continue };
            let argument = argument(plane);
            if kind.layout().state_row(plane).is_none() {
                return Err(NeuroError::Shape {
                    argument,
                    actual: tensor.dims().to_vec(),
                    expected: format!("none: {kind:?} has no {} state", plane.name()),
                });
            }
            if tensor.dims() != dims {
                return Err(NeuroError::Shape { argument, actual: tensor.dims().to_vec(), expected: format!("{dims:?}") });
            }
        }
        Ok(())
    }
}

impl<const D: usize> NeuronOutput<D> {
    /// The tensor of an output plane, if this kind writes it.
    pub fn plane(&self, plane: Plane) -> Option<&Tensor<D>> {
        match plane {
            Plane::Spikes => Some(&self.spikes),
            Plane::Membrane => Some(&self.membrane),
            Plane::Synaptic => self.synaptic.as_ref(),
            Plane::Excitatory => self.excitatory.as_ref(),
            Plane::Inhibitory => self.inhibitory.as_ref(),
        }
    }

    /// Every plane through `f`.
    pub fn map<const E: usize>(self, mut f: impl FnMut(Tensor<D>) -> Tensor<E>) -> NeuronOutput<E> {
        NeuronOutput {
            kind: self.kind,
            spikes: f(self.spikes),
            membrane: f(self.membrane),
            synaptic: self.synaptic.map(&mut f),
            excitatory: self.excitatory.map(&mut f),
            inhibitory: self.inhibitory.map(&mut f),
        }
    }

    /// The state after the last step: the last step of every output plane that is also a state
    /// row of this kind (S[t-1] for the recurrent kinds), `[1, ...]` each.
    pub fn final_state(&self) -> NeuronState<D> {
        let last = |t: &Tensor<D>| {
            let steps = t.dims()[0];
            t.clone().slice([steps - 1..steps])
        };
        let layout = self.kind.layout();
        let state = |plane: Plane| layout.state_row(plane).and(self.plane(plane)).map(last);
        NeuronState {
            membrane: last(&self.membrane),
            synaptic: state(Plane::Synaptic),
            excitatory: state(Plane::Excitatory),
            inhibitory: state(Plane::Inhibitory),
            spikes: state(Plane::Spikes),
        }
    }

    /// Outputs of consecutive runs joined along time.
    pub fn cat(outputs: Vec<Self>) -> Self {
        let first = outputs.first().expect("at least one output to join");
        let kind = first.kind;
        let join = |plane: Plane| -> Option<Tensor<D>> {
            let parts: Option<Vec<_>> = outputs.iter().map(|o| o.plane(plane).cloned()).collect();
            parts.map(|parts| Tensor::cat(parts, 0))
        };
        NeuronOutput {
            kind,
            spikes: join(Plane::Spikes).expect("every output has spikes"),
            membrane: join(Plane::Membrane).expect("every output has a membrane"),
            synaptic: join(Plane::Synaptic),
            excitatory: join(Plane::Excitatory),
            inhibitory: join(Plane::Inhibitory),
        }
    }
}

/// Runs T steps of any neuron kind in one kernel launch.
///
/// `input` is `[T, ...]`; `initial` holds the kind's starting states, each `[1, ...]` (zeros
/// where `None`). Returns the kind's output planes, each `[T, ...]`.
pub fn neuron_forward<const D: usize>(input: Tensor<D>, initial: Option<NeuronState<D>>, neuron: &Neuron) -> Result<NeuronOutput<D>> {
    let dims = input.dims();
    if dims[0] == 0 {
        return Err(NeuroError::Shape { argument: "input", actual: dims.to_vec(), expected: "[T, ...] with T >= 1 time steps".into() });
    }
    let mut one_step = dims;
    one_step[0] = 1;
    if let Some(state) = &initial {
        state.check(neuron.kind, one_step, Plane::state_argument)?;
    }
    run(input, initial, neuron)
}

/// Runs one step of any neuron kind: `input` and every plane of `state` (the state returned by
/// the previous step, zeros where `None`) share a shape; returns this step's planes.
pub fn neuron_step<const D: usize>(input: Tensor<D>, state: Option<NeuronState<D>>, neuron: &Neuron) -> Result<NeuronOutput<D>> {
    let dims = input.dims();
    if let Some(state) = &state {
        state.check(neuron.kind, dims, Plane::name)?;
    }
    // A step is the fused op with T = 1 over a flat [1, N] view.
    let neurons = dims.iter().product::<usize>();
    let flat = flat_step_neuron(neuron, &dims)?;
    let out = run(input.reshape([1, neurons]), state.map(|s| s.map(|t| t.reshape([1, neurons]))), &flat)?;
    Ok(out.map(|t| t.reshape(dims)))
}

/// The neuron a step of `dims` runs: every per-neuron coefficient tiled to the flat `[1, N]`
/// view (see [`flat_step_parameter`]), so a step loop can build it once.
pub(crate) fn flat_step_neuron(neuron: &Neuron, dims: &[usize]) -> Result<Neuron> {
    let mut flat = neuron.clone();
    for &coefficient in neuron.kind.layout().coefficients {
        let tiled = flat_step_parameter(neuron.coefficient(coefficient), coefficient.name(), dims)?;
        match coefficient {
            Coefficient::Beta => flat.beta = tiled,
            Coefficient::Threshold => flat.threshold = tiled,
            Coefficient::Alpha => flat.alpha = tiled,
            Coefficient::RecurrentWeight => flat.recurrent_weight = tiled,
        }
    }
    Ok(flat)
}

/// A step runs over a flat `[1, N]` view, where only lengths 1 and N would pass the shape
/// check. A per-neuron tensor whose length is a trailing product of the step's `dims` is tiled
/// to N: the same `n % L` broadcast the kernel applies, and autodiff sums the tiles' gradients
/// back onto the parameter.
fn flat_step_parameter(parameter: &NeuronParameter, argument: &'static str, dims: &[usize]) -> Result<NeuronParameter> {
    let NeuronParameter::Tensor(values) = parameter else {
        return Ok(parameter.clone());
    };
    let len = values.dims()[0];
    let neurons = dims.iter().product::<usize>();
    if len == 1 || len == neurons {
        return Ok(parameter.clone());
    }
    let suffixes: Vec<usize> = (0..=dims.len()).map(|k| dims[k..].iter().product()).collect();
    if len == 0 || !suffixes.contains(&len) {
        return Err(NeuroError::Shape {
            argument,
            actual: vec![len],
            expected: format!("[1] or the product of trailing dims of the step input {dims:?}, one of {suffixes:?}"),
        });
    }
    Ok(NeuronParameter::Tensor(values.clone().repeat_dim(0, neurons / len)))
}

/// Validates one call and runs the fused kernel on the rows of `neuron.kind`'s table row.
fn run<const D: usize>(input: Tensor<D>, initial: Option<NeuronState<D>>, neuron: &Neuron) -> Result<NeuronOutput<D>> {
    let kind = neuron.kind;
    let layout = kind.layout();
    let device = input.device();
    compute_path(&device)?;
    neuron.validate()?;
    let dtype = input.dtype();
    check_storage_dtype(&device, "input", dtype)?;
    if let Some(state) = &initial {
        for plane in Plane::ALL {
            if let Some(tensor) = state.plane(plane) {
                if tensor.dtype() != dtype {
                    return Err(NeuroError::DType {
                        argument: plane.state_argument(),
                        actual: format!("{:?}", tensor.dtype()),
                        expected: format!("{dtype:?} (the dtype of `input`)"),
                    });
                }
            }
        }
    }
    let planes = kind.outputs();
    let dims = input.dims();
    let steps = dims[0];
    let per_step = &dims[1..];
    let neurons = per_step.iter().product::<usize>();
    if neurons == 0 {
        return Err(NeuroError::Shape { argument: "input", actual: dims.to_vec(), expected: "at least one neuron per time step".into() });
    }
    // Kernels index with u32; the stacked output holds planes·T·N values.
    if (planes * steps).checked_mul(neurons).is_none_or(|n| n > u32::MAX as usize) {
        return Err(NeuroError::TooLarge {
            argument: "input",
            detail: format!("{planes}·T·N = {planes}·{steps}·{neurons} exceeds 2^32 elements; split the sequence"),
        });
    }
    // The largest buffers are the stacked output and, in the backward, its gradient.
    if let Some(limit) = max_binding_bytes(&device) {
        let needed = (planes * steps * neurons * dtype.size()) as u64;
        if needed > limit {
            return Err(NeuroError::TooLarge {
                argument: "input",
                detail: format!(
                    "T·N = {steps}·{neurons} needs a {needed}-byte buffer for spikes and membranes, \
                     over this adapter's {limit}-byte binding limit; split the sequence or batch"
                ),
            });
        }
    }
    // Coefficient and state rows, in the table's order.
    let mut coeff_rows = Vec::with_capacity(layout.coefficients.len());
    for &coefficient in layout.coefficients {
        coeff_rows.push((coefficient.name(), coefficient_row(neuron.coefficient(coefficient), coefficient, per_step, &device)?));
    }
    let widths: Vec<(&'static str, usize)> = coeff_rows.iter().map(|(name, r)| (*name, r.dims()[1])).collect();
    let len = common_length(&widths)?;
    let widen = |row: Tensor<2>| if row.dims()[1] == len { row } else { row.expand([1, len]) };
    let coeffs = Tensor::cat(coeff_rows.into_iter().map(|(_, row)| widen(row)).collect(), 0);
    let state_row = |plane: Plane| match initial.as_ref().and_then(|s| s.plane(plane)) {
        Some(given) => given.clone().reshape([1, neurons]),
        None => Tensor::<2>::zeros([1, neurons], (&device, dtype)),
    };
    let initial = Tensor::cat(layout.states.iter().map(|&plane| state_row(plane)).collect(), 0);
    let flat = input.reshape([steps, neurons]);
    let stacked =
        Tensor::<3>::from_dispatch(Dispatch::lif_forward(flat.into_dispatch(), initial.into_dispatch(), coeffs.into_dispatch(), neuron.spec, kind));
    let plane = |plane: Plane| layout.output_plane(plane).map(|row| stacked.clone().slice([row..row + 1]).reshape(dims));
    let mut spikes = plane(Plane::Spikes).expect("every kind writes spikes");
    if neuron.spec.saved_state == SavedState::Compact {
        // Planes are views of one buffer. A next layer keeps the spikes for its own backward;
        // as a view they would keep the membranes alive too, undoing what the compact saved
        // state saves. A copy gives them their own buffer.
        spikes = spikes * 1.0;
    }
    Ok(NeuronOutput {
        kind,
        spikes,
        membrane: plane(Plane::Membrane).expect("every kind writes a membrane"),
        synaptic: plane(Plane::Synaptic),
        excitatory: plane(Plane::Excitatory),
        inhibitory: plane(Plane::Inhibitory),
    })
}

/// The common per-neuron length of several parameters (each 1 or the same L).
fn common_length(lengths: &[(&'static str, usize)]) -> Result<usize> {
    let len = lengths.iter().map(|(_, l)| *l).max().unwrap_or(1);
    match lengths.iter().find(|(_, l)| *l != 1 && *l != len) {
        Some((argument, l)) => {
            Err(NeuroError::Shape { argument, actual: vec![*l], expected: format!("[1] or [{len}] (the per-neuron length of the other parameters)") })
        }
        None => Ok(len),
    }
}

/// One `[1, L]` f32 coefficient row, checked against the input's per-step dims and device.
fn coefficient_row(parameter: &NeuronParameter, coefficient: Coefficient, per_step: &[usize], device: &Device) -> Result<Tensor<2>> {
    let argument = coefficient.name();
    match parameter {
        NeuronParameter::Scalar(value) => {
            coefficient.check(*value)?;
            Ok(Tensor::from_data(TensorData::new(vec![*value], [1, 1]), (device, DType::F32)))
        }
        NeuronParameter::Tensor(tensor) => {
            let len = tensor.dims()[0];
            let suffixes: Vec<usize> = (0..=per_step.len()).map(|k| per_step[k..].iter().product()).collect();
            if len != 1 && !suffixes.contains(&len) {
                return Err(NeuroError::Shape {
                    argument,
                    actual: vec![len],
                    expected: format!("[1] or the product of trailing per-step dims of `input` {per_step:?}, one of {suffixes:?}"),
                });
            }
            if !matches!(tensor.dtype(), DType::F32 | DType::F16) {
                return Err(NeuroError::DType { argument, actual: format!("{:?}", tensor.dtype()), expected: "F32 or F16".into() });
            }
            if tensor.device() != *device {
                return Err(NeuroError::Device(format!("`{argument}` is on another device than `input`")));
            }
            Ok(tensor.clone().cast(FloatDType::F32).reshape([1, len]))
        }
    }
}
