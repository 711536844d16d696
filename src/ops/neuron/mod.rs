//! Every neuron kind through one op: [`neuron_forward`] runs T steps in one fused launch and
//! [`neuron_step`] one step, for any row of the neuron table ([`NeuronKind`](crate::NeuronKind)). The call's
//! coefficient rows, starting-state rows and output planes all come from that row.
//!
//! In f16 the kernels store X, S and the states as f16 and compute in f32; the multi-step op
//! keeps the state in f32 across its T steps and rounds only what it stores, while a loop of
//! single steps rounds the state between calls.
//!
//! NaN inputs are not rejected (that would need a device read): a NaN current makes the
//! membrane NaN for the rest of the sequence and a NaN membrane never spikes (`NaN > θ` is
//! false), exactly as in snnTorch.

mod definition;
mod planes;

use burn::backend::Dispatch;
use burn::tensor::{DType, Device, FloatDType, Tensor, TensorData};

pub(crate) use definition::check_alpha_decays;
pub use definition::{Neuron, NeuronParameter};
pub use planes::{NeuronOutput, NeuronState};

use crate::backend::LifOps;
use crate::device::{check_storage_dtype, compute_path, max_binding_bytes};
use crate::error::{NeuroError, Result};
use crate::neuron::{Coefficient, Plane, SavedState};

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
    if dims.contains(&0) {
        return Err(NeuroError::Shape { argument: "input", actual: dims.to_vec(), expected: "at least one neuron (no empty dimension)".into() });
    }
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
    // A custom surrogate runs on Burn tensor ops: any device and dtype, no kernel limits.
    let fused = neuron.custom_surrogate.is_none();
    if fused {
        compute_path(&device)?;
    }
    neuron.validate()?;
    let dtype = input.dtype();
    if fused {
        check_storage_dtype(&device, "input", dtype)?;
    }
    if let Some(state) = &initial {
        for plane in Plane::ALL {
            if let Some(tensor) = state.plane(plane) {
                // A state on another device would pass here and fail at the next read.
                if tensor.device() != device {
                    return Err(NeuroError::Device(format!("`{}` is on another device than `input`", plane.state_argument())));
                }
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
    if fused && (planes * steps).checked_mul(neurons).is_none_or(|n| n > u32::MAX as usize) {
        return Err(NeuroError::TooLarge {
            argument: "input",
            detail: format!("{planes}·T·N = {planes}·{steps}·{neurons} exceeds 2^32 elements; split the sequence"),
        });
    }
    // The largest buffers: the stacked output [planes, T, N], and in the backward the input
    // and initial-state gradient [T + states, N] and, where a coefficient learns, the f32
    // coefficient gradients [coeff_rows, N]. Checked here, before anything runs, so a backward
    // cannot fail later.
    if let Some(limit) = max_binding_bytes(&device).filter(|_| fused) {
        let learns = layout.coefficients.iter().any(|&c| matches!(neuron.coefficient(c), NeuronParameter::Tensor(t) if t.is_require_grad()));
        let elements = (planes * steps).max(steps + kind.states()) * neurons;
        let coefficient_grads = if learns { kind.coeff_rows() * neurons * 4 } else { 0 };
        let needed = (elements * dtype.size()).max(coefficient_grads) as u64;
        if needed > limit {
            return Err(NeuroError::TooLarge {
                argument: "input",
                detail: format!(
                    "T·N = {steps}·{neurons} needs a {needed}-byte buffer for its states or their gradients, \
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
    let rows: Vec<Tensor<2>> = coeff_rows.into_iter().map(|(_, row)| widen(row)).collect();
    let state_row = |plane: Plane| match initial.as_ref().and_then(|s| s.plane(plane)) {
        Some(given) => given.clone().reshape([1, neurons]),
        None => Tensor::<2>::zeros([1, neurons], (&device, dtype)),
    };
    if let Some(custom) = &neuron.custom_surrogate {
        // Tensor ops, one chain per step, in f32 as the kernels compute (the outputs are
        // stored in the input's dtype): each coefficient tiled to N as the kernel indexes it
        // (neuron n reads entry n mod L).
        let tiled = rows.into_iter().map(|row| row.reshape([len]).repeat_dim(0, neurons / len)).collect();
        let states = layout.states.iter().map(|&plane| state_row(plane).cast(FloatDType::F32)).collect();
        let flat = input.reshape([steps, neurons]).cast(FloatDType::F32);
        let planes = crate::ops::lif_composite::run_custom(kind, flat, states, tiled, neuron.spec, custom);
        let plane = |plane: Plane| layout.output_plane(plane).map(|row| planes[row].clone().cast(dtype).reshape(dims));
        return Ok(NeuronOutput {
            kind,
            spikes: plane(Plane::Spikes).expect("every kind writes spikes"),
            membrane: plane(Plane::Membrane).expect("every kind writes a membrane"),
            synaptic: plane(Plane::Synaptic),
            excitatory: plane(Plane::Excitatory),
            inhibitory: plane(Plane::Inhibitory),
        });
    }
    let coeffs = Tensor::cat(rows, 0);
    let initial = Tensor::cat(layout.states.iter().map(|&plane| state_row(plane)).collect(), 0);
    // Already `[T, N]`: no reshape, which on the CPU backend would copy an input broadcast
    // over T (a current expanded over the steps) into T rows before the kernel reads it.
    let flat: Tensor<2> = if D == 2 { Tensor::from_dispatch(input.into_dispatch()) } else { input.reshape([steps, neurons]) };
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
