//! Leaky integrate-and-fire: fused over T steps, and a single-step form for step loops.
//!
//! Semantics are snnTorch ≥ 0.8 `Leaky` (see [`LifSpec`]). In f16 the kernels store X, S and U
//! as f16 and compute in f32; the multi-step op keeps the membrane in f32 across its T steps and
//! rounds only what it stores, while a loop of single steps rounds the membrane between calls.
//!
//! NaN inputs are not rejected (that would need a device read): a NaN current makes the
//! membrane NaN for the rest of the sequence and a NaN membrane never spikes (`NaN > θ` is
//! false), exactly as in snnTorch.

use burn::backend::Dispatch;
use burn::tensor::{DType, Device, FloatDType, Tensor, TensorData};

use crate::backend::NeuronOps;
use crate::device::{check_storage_dtype, compute_path, max_binding_bytes};
use crate::error::{NeuroError, Result};
use crate::neuron::{LifSpec, NeuronModel, SavedState};

/// A neuron parameter (β or θ): one value for the whole layer, or a learnable tensor.
#[derive(Debug, Clone)]
pub enum NeuronParameter {
    /// The same value for every neuron; validated on the host.
    Scalar(f32),
    /// One value per neuron. Its length must be 1 or the product of a suffix of the per-step
    /// dims (e.g. `features` for `[T, batch, features]`), and it broadcasts over the rest.
    /// Values are not range-checked on every call: β is clamped to [0, 1] as in snnTorch.
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

/// A LIF neuron: its spec and its parameters.
#[derive(Debug, Clone)]
pub struct LifNeuron {
    pub spec: LifSpec,
    /// Membrane decay rate β, in [0, 1].
    pub beta: NeuronParameter,
    /// Firing threshold θ.
    pub threshold: NeuronParameter,
}

impl LifNeuron {
    /// snnTorch's `Leaky(beta)` defaults: θ = 1, subtract reset, delayed, atan surrogate.
    pub fn new(beta: impl Into<NeuronParameter>) -> Self {
        LifNeuron {
            spec: LifSpec::snntorch_default(),
            beta: beta.into(),
            threshold: NeuronParameter::Scalar(1.0),
        }
    }

    /// Replaces the threshold.
    pub fn with_threshold(mut self, threshold: impl Into<NeuronParameter>) -> Self {
        self.threshold = threshold.into();
        self
    }

    /// Replaces the spec (reset mode, delay, surrogate).
    pub fn with_spec(mut self, spec: LifSpec) -> Self {
        self.spec = spec;
        self
    }
}

/// Spikes and membrane potentials, both shaped like the input.
#[derive(Debug, Clone)]
pub struct LifOutput<const D: usize> {
    pub spikes: Tensor<D>,
    pub membrane: Tensor<D>,
}

/// Runs T steps in one kernel launch.
///
/// `input` is `[T, ...]`. `initial` is the membrane before the first step, shaped `[1, ...]`
/// (zeros when `None`). Returns spikes and membranes shaped `[T, ...]`.
pub fn lif<const D: usize>(input: Tensor<D>, initial: Option<Tensor<D>>, neuron: &LifNeuron) -> Result<LifOutput<D>> {
    let dims = input.dims();
    if dims[0] == 0 {
        return Err(NeuroError::Shape {
            argument: "input",
            actual: dims.to_vec(),
            expected: "[T, ...] with T >= 1 time steps".into(),
        });
    }
    let mut initial_dims = dims;
    initial_dims[0] = 1;
    let initial = match initial {
        Some(initial) if initial.dims() != initial_dims => {
            return Err(NeuroError::Shape {
                argument: "initial",
                actual: initial.dims().to_vec(),
                expected: format!("{initial_dims:?} (one time step of `input`)"),
            });
        }
        other => other,
    };
    run(input, initial, neuron)
}

/// Runs one step: `input` and `membrane` (the state returned by the previous step, zeros when
/// `None`) have the same shape; returns this step's spikes and membrane.
pub fn lif_step<const D: usize>(input: Tensor<D>, membrane: Option<Tensor<D>>, neuron: &LifNeuron) -> Result<LifOutput<D>> {
    let dims = input.dims();
    let membrane = match membrane {
        Some(membrane) if membrane.dims() != dims => {
            return Err(NeuroError::Shape {
                argument: "membrane",
                actual: membrane.dims().to_vec(),
                expected: format!("{dims:?} (the shape of `input`)"),
            });
        }
        other => other,
    };
    // A step is the fused op with T = 1 over a flat [1, N] view.
    let neurons = dims.iter().product::<usize>();
    let flat_neuron = LifNeuron {
        spec: neuron.spec,
        beta: flat_step_parameter(&neuron.beta, "beta", &dims)?,
        threshold: flat_step_parameter(&neuron.threshold, "threshold", &dims)?,
    };
    let out = run(
        input.reshape([1, neurons]),
        membrane.map(|m| m.reshape([1, neurons])),
        &flat_neuron,
    )?;
    Ok(LifOutput {
        spikes: out.spikes.reshape(dims),
        membrane: out.membrane.reshape(dims),
    })
}

/// A step runs over a flat `[1, N]` view, where only lengths 1 and N would pass the shape
/// check. A per-neuron tensor whose length is a trailing product of the step's `dims` is tiled
/// to N: the same `n % L` broadcast the kernel applies, and autodiff sums the tiles' gradients
/// back onto the parameter.
pub(crate) fn flat_step_parameter(parameter: &NeuronParameter, argument: &'static str, dims: &[usize]) -> Result<NeuronParameter> {
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

fn run<const D: usize>(input: Tensor<D>, initial: Option<Tensor<D>>, neuron: &LifNeuron) -> Result<LifOutput<D>> {
    let (out, _) = run_neuron(input, initial, None, None, None, neuron)?;
    Ok(out)
}

/// The recurrent part of a neuron call: V and the optional spike before the first step.
pub(crate) struct RecurrentPart<'a, const D: usize> {
    pub weight: &'a NeuronParameter,
    pub initial: Option<Tensor<D>>,
}

/// The synaptic part of a neuron call: α and the optional initial current.
pub(crate) struct SynapticPart<'a, const D: usize> {
    pub alpha: &'a NeuronParameter,
    pub initial: Option<Tensor<D>>,
}

/// The alpha part of a neuron call: α and the optional initial excitatory and inhibitory
/// currents.
pub(crate) struct AlphaPart<'a, const D: usize> {
    pub alpha: &'a NeuronParameter,
    pub excitatory: Option<Tensor<D>>,
    pub inhibitory: Option<Tensor<D>>,
}

/// Runs the fused kernel for a LIF, a synaptic, a recurrent or an alpha neuron (at most one of
/// `alpha` and the other two parts); returns the spikes and membrane, then the extra output
/// planes: the synaptic current, or the excitatory and inhibitory currents.
pub(crate) fn run_neuron<const D: usize>(
    input: Tensor<D>,
    initial: Option<Tensor<D>>,
    synaptic: Option<SynapticPart<'_, D>>,
    recurrent: Option<RecurrentPart<'_, D>>,
    alpha: Option<AlphaPart<'_, D>>,
    neuron: &LifNeuron,
) -> Result<(LifOutput<D>, Vec<Tensor<D>>)> {
    let model = NeuronModel { synaptic: synaptic.is_some(), recurrent: recurrent.is_some(), alpha: alpha.is_some() };
    debug_assert!(!(model.alpha && (model.synaptic || model.recurrent)), "alpha excludes the synaptic and recurrent parts");
    let device = input.device();
    compute_path(&device)?;
    neuron.spec.validate()?;
    let dtype = input.dtype();
    check_storage_dtype(&device, "input", dtype)?;
    let states = [
        ("initial", initial.as_ref()),
        ("initial_synaptic", synaptic.as_ref().and_then(|s| s.initial.as_ref())),
        ("initial_spike", recurrent.as_ref().and_then(|r| r.initial.as_ref())),
        ("initial_excitatory", alpha.as_ref().and_then(|a| a.excitatory.as_ref())),
        ("initial_inhibitory", alpha.as_ref().and_then(|a| a.inhibitory.as_ref())),
    ];
    for (argument, state) in states {
        if let Some(state) = state {
            if state.dtype() != dtype {
                return Err(NeuroError::DType {
                    argument,
                    actual: format!("{:?}", state.dtype()),
                    expected: format!("{dtype:?} (the dtype of `input`)"),
                });
            }
        }
    }
    let rows = model.outputs();

    let dims = input.dims();
    let steps = dims[0];
    let per_step = &dims[1..];
    let neurons = per_step.iter().product::<usize>();
    if neurons == 0 {
        return Err(NeuroError::Shape {
            argument: "input",
            actual: dims.to_vec(),
            expected: "at least one neuron per time step".into(),
        });
    }
    // Kernels index with u32; the stacked output holds rows·T·N values.
    if (rows * steps).checked_mul(neurons).is_none_or(|n| n > u32::MAX as usize) {
        return Err(NeuroError::TooLarge {
            argument: "input",
            detail: format!("{rows}·T·N = {rows}·{steps}·{neurons} exceeds 2^32 elements; split the sequence"),
        });
    }

    // The largest buffers are the stacked [S | U | ...] output and, in the backward, its gradient.
    if let Some(limit) = max_binding_bytes(&device) {
        let needed = (rows * steps * neurons * dtype.size()) as u64;
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
    let state = |given: Option<Tensor<D>>| match given {
        Some(given) => given.reshape([1, neurons]),
        None => Tensor::<2>::zeros([1, neurons], (&device, dtype)),
    };
    // Coefficient rows β, θ (α) (V); state rows U (I) (S[-1]), or U E H for alpha.
    let mut coeff_rows = vec![("beta", coefficients(neuron, per_step, &device)?)];
    let mut state_rows = vec![state(initial)];
    if let Some(synaptic) = synaptic {
        coeff_rows.push(("alpha", coefficient_row(synaptic.alpha, "alpha", per_step, &device, |v| (0.0..=1.0).contains(&v), "a finite value in [0, 1]")?));
        state_rows.push(state(synaptic.initial));
    }
    if let Some(recurrent) = recurrent {
        coeff_rows.push(("recurrent_weight", coefficient_row(recurrent.weight, "recurrent_weight", per_step, &device, f32::is_finite, "a finite value")?));
        state_rows.push(state(recurrent.initial));
    }
    if let Some(alpha) = alpha {
        coeff_rows.push(("alpha", coefficient_row(alpha.alpha, "alpha", per_step, &device, |v| (0.0..=1.0).contains(&v), "a finite value in [0, 1]")?));
        state_rows.push(state(alpha.excitatory));
        state_rows.push(state(alpha.inhibitory));
    }
    let widths: Vec<(&'static str, usize)> = coeff_rows.iter().map(|(name, r)| (*name, r.dims()[1])).collect();
    let len = common_length(&widths)?;
    let widen = |rows: Tensor<2>| {
        let [count, width] = rows.dims();
        if width == len { rows } else { rows.expand([count, len]) }
    };
    let coeffs = Tensor::cat(coeff_rows.into_iter().map(|(_, rows)| widen(rows)).collect(), 0);
    let initial = Tensor::cat(state_rows, 0);
    let flat = input.reshape([steps, neurons]);
    let stacked = Tensor::<3>::from_dispatch(Dispatch::lif_forward(
        flat.into_dispatch(),
        initial.into_dispatch(),
        coeffs.into_dispatch(),
        neuron.spec,
        model,
    ));
    let plane = |row: usize| stacked.clone().slice([row..row + 1]).reshape(dims);
    let mut spikes = plane(0);
    if neuron.spec.saved_state == SavedState::Compact {
        // Planes are views of one buffer. A next layer keeps the spikes for its own backward;
        // as a view they would keep the membranes alive too, undoing what the compact saved
        // state saves. A copy gives them their own buffer.
        spikes = spikes * 1.0;
    }
    let extra = (2..rows).map(plane).collect();
    Ok((LifOutput { spikes, membrane: plane(1) }, extra))
}

/// Packs β and θ into the `[2, L]` f32 tensor the kernels read (row 0 β, row 1 θ).
fn coefficients(neuron: &LifNeuron, per_step: &[usize], device: &Device) -> Result<Tensor<2>> {
    let beta = coefficient_row(&neuron.beta, "beta", per_step, device, |v| (0.0..=1.0).contains(&v), "a finite value in [0, 1]")?;
    let theta = coefficient_row(&neuron.threshold, "threshold", per_step, device, f32::is_finite, "a finite value")?;
    let len = common_length(&[("beta", beta.dims()[1]), ("threshold", theta.dims()[1])])?;
    let widen = |row: Tensor<2>| if row.dims()[1] == len { row } else { row.expand([1, len]) };
    Ok(Tensor::cat(vec![widen(beta), widen(theta)], 0))
}

/// The common per-neuron length of several parameters (each 1 or the same L).
fn common_length(lengths: &[(&'static str, usize)]) -> Result<usize> {
    let len = lengths.iter().map(|(_, l)| *l).max().unwrap_or(1);
    match lengths.iter().find(|(_, l)| *l != 1 && *l != len) {
        Some((argument, l)) => Err(NeuroError::Shape {
            argument,
            actual: vec![*l],
            expected: format!("[1] or [{len}] (the per-neuron length of the other parameters)"),
        }),
        None => Ok(len),
    }
}

fn coefficient_row(
    parameter: &NeuronParameter,
    argument: &'static str,
    per_step: &[usize],
    device: &Device,
    valid: impl Fn(f32) -> bool,
    expected: &str,
) -> Result<Tensor<2>> {
    match parameter {
        NeuronParameter::Scalar(value) => {
            if !valid(*value) {
                return Err(NeuroError::Range {
                    argument,
                    value: value.to_string(),
                    expected: expected.into(),
                });
            }
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
                return Err(NeuroError::DType {
                    argument,
                    actual: format!("{:?}", tensor.dtype()),
                    expected: "F32 or F16".into(),
                });
            }
            if tensor.device() != *device {
                return Err(NeuroError::Device(format!("`{argument}` is on another device than `input`")));
            }
            Ok(tensor.clone().cast(FloatDType::F32).reshape([1, len]))
        }
    }
}
