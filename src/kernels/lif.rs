//! Fused multi-step LIF: WGSL forward and reverse-scan backward on Burn's wgpu client.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::cubecl::CubeDim;
use burn::tensor::DType;

use super::{WORKGROUP_SIZE, empty_like, grid_1d, render, wgsl_elem};
use crate::neuron::{LifSpec, NeuronModel, SavedState};

const COMMON: &str = include_str!("../../shaders/lif_common.wgsl");
const FORWARD: &str = include_str!("../../shaders/lif_forward.wgsl");
const BACKWARD: &str = include_str!("../../shaders/lif_backward.wgsl");
const ALPHA_FORWARD: &str = include_str!("../../shaders/alpha_forward.wgsl");
const ALPHA_BACKWARD: &str = include_str!("../../shaders/alpha_backward.wgsl");
const SAVED_FULL: &str = include_str!("../../shaders/lif_saved_full.wgsl");
const SAVED_COMPACT: &str = include_str!("../../shaders/lif_saved_compact.wgsl");
const SAVED_NONE: &str = include_str!("../../shaders/lif_saved_none.wgsl");

/// Mirror of the WGSL `LifParams` struct (checked against naga's layout in the tests).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LifParams {
    pub num_steps: u32,
    pub num_neurons: u32,
    pub coeff_len: u32,
    /// 0: no state quantization.
    pub quant_levels: u32,
    pub surrogate_a: f32,
    pub surrogate_b: f32,
    pub quant_lower: f32,
    pub quant_step: f32,
    pub quant_inv_step: f32,
    pub _pad0: u32,
    pub _pad1: u32,
    pub _pad2: u32,
}

/// Which of the two LIF kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifPass {
    Forward,
    /// The reverse scan; `coeff_grads` says whether it also writes dL/dβ and dL/dθ.
    Backward { coeff_grads: bool },
}

/// Renders the WGSL of one LIF kernel variant for a neuron model. With
/// `SavedState::Compact` the forward also writes the compact saved state (binding 5) and the
/// backward reads it (binding 3) in place of the forward output.
pub fn lif_shader(pass: LifPass, spec: &LifSpec, dtype: DType, model: NeuronModel) -> String {
    let compact = spec.saved_state == SavedState::Compact;
    let saved = match (pass, compact) {
        (LifPass::Forward, false) => SAVED_NONE,
        (LifPass::Backward { .. }, false) => SAVED_FULL,
        (_, true) => SAVED_COMPACT,
    };
    let saved_binding = if pass == LifPass::Forward { 5 } else { 3 };
    let (elem, enable) = wgsl_elem(dtype);
    let (body, coeff_grads) = match (pass, model.alpha) {
        (LifPass::Forward, false) => (FORWARD, false),
        (LifPass::Forward, true) => (ALPHA_FORWARD, false),
        (LifPass::Backward { coeff_grads }, false) => (BACKWARD, coeff_grads),
        (LifPass::Backward { coeff_grads }, true) => (ALPHA_BACKWARD, coeff_grads),
    };
    let surrogate = match spec.surrogate.shader_name() {
        "atan" => 0u32,
        "fast_sigmoid" => 1,
        "sigmoid" => 2,
        "straight_through" => 3,
        "spike_rate_escape" => 4,
        _ => 5,
    };
    render(
        &format!("{COMMON}\n{saved}\n{body}"),
        &[
            ("enable_f16", enable.to_owned()),
            ("elem", elem.to_owned()),
            ("workgroup_size", WORKGROUP_SIZE.to_string()),
            ("reset_mode", spec.reset.shader_code().to_string()),
            ("reset_delay", spec.reset_delay.to_string()),
            ("surrogate", surrogate.to_string()),
            ("coeff_grads", coeff_grads.to_string()),
            ("synaptic", model.synaptic.to_string()),
            ("recurrent", model.recurrent.to_string()),
            ("compact", compact.to_string()),
            ("saved_planes", (model.outputs() - 1).to_string()),
            ("saved_binding", saved_binding.to_string()),
        ],
    )
}

/// One compiled variant. Its id covers every template input, so f16/f32 and each
/// reset/surrogate choice get their own pipeline-cache entry.
#[derive(Debug)]
struct LifKernel {
    pass: LifPass,
    spec: LifSpec,
    dtype: DType,
    model: NeuronModel,
}

impl KernelSource for LifKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(lif_shader(self.pass, &self.spec, self.dtype, self.model))
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((
            self.pass,
            wgsl_elem(self.dtype).0,
            self.spec.reset.shader_code(),
            self.spec.reset_delay,
            self.spec.surrogate.shader_name(),
            self.spec.saved_state,
            self.model,
            WORKGROUP_SIZE,
        ))
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

fn params(spec: &LifSpec, num_steps: usize, num_neurons: usize, coeff_len: usize) -> LifParams {
    let (surrogate_a, surrogate_b) = spec.surrogate.parameters();
    let (quant_levels, quant_lower, (quant_step, quant_inv_step)) = match spec.state_quant {
        Some(quant) => (quant.levels, quant.lower, quant.step()),
        None => (0, 0.0, (0.0, 0.0)),
    };
    LifParams {
        num_steps: num_steps as u32,
        num_neurons: num_neurons as u32,
        coeff_len: coeff_len as u32,
        quant_levels,
        surrogate_a,
        surrogate_b,
        quant_lower,
        quant_step,
        quant_inv_step,
        _pad0: 0,
        _pad1: 0,
        _pad2: 0,
    }
}

/// Binds `buffers`, then the params block, then `trailing`, in binding order.
fn launch(
    pass: LifPass,
    spec: &LifSpec,
    model: NeuronModel,
    like: &CubeTensor,
    num_neurons: usize,
    params: LifParams,
    buffers: Vec<CubeTensor>,
    trailing: Vec<CubeTensor>,
) {
    let client = &like.client;
    let params = client.create_from_slice(bytemuck::bytes_of(&params));
    let mut bindings: Vec<_> = buffers.into_iter().map(|t| t.handle.binding()).collect();
    bindings.push(params.binding());
    bindings.extend(trailing.into_iter().map(|t| t.handle.binding()));
    let kernel = LifKernel {
        pass,
        spec: *spec,
        dtype: like.dtype,
        model,
    };
    client.launch(
        Box::new(SourceKernel::new(kernel, CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(num_neurons, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(bindings),
    );
}

/// Forward pass. `input` is `[T, ...]`; `coeffs` is `[model.coeff_rows(), L]` f32 (β, θ, then
/// α, then V); `initial` holds `model.states()` rows of the `N = numel / T` starting states (U,
/// then I, then S[-1]; or U, E, H for alpha). Returns `[model.outputs(), T, ...]`: spikes,
/// membranes (and currents).
///
/// Shapes and dtypes are validated by the public op before this is reached.
pub fn lif_forward(spec: &LifSpec, model: NeuronModel, input: CubeTensor, initial: CubeTensor, coeffs: CubeTensor) -> CubeTensor {
    let spec = LifSpec { saved_state: SavedState::Full, ..*spec };
    forward(&spec, model, input, initial, coeffs).0
}

/// [`lif_forward`] that also writes the compact saved state for a memory-light backward:
/// returns the output and `[compact_saved_words(T, N, model)]` u32 words in an F32-typed tensor
/// (bit patterns, never arithmetic).
pub fn lif_forward_compact(spec: &LifSpec, model: NeuronModel, input: CubeTensor, initial: CubeTensor, coeffs: CubeTensor) -> (CubeTensor, CubeTensor) {
    let spec = LifSpec { saved_state: SavedState::Compact, ..*spec };
    let (output, saved) = forward(&spec, model, input, initial, coeffs);
    (output, saved.expect("a compact forward writes the saved state"))
}

/// u32 words of the compact saved state: ⌈T/32⌉·N spike words, then ⌈T/2⌉·N f16 pairs for
/// each state plane.
pub fn compact_saved_words(num_steps: usize, num_neurons: usize, model: NeuronModel) -> usize {
    crate::reference::saved_state::compact_words(num_steps, num_neurons, model.outputs() - 1)
}

fn forward(spec: &LifSpec, model: NeuronModel, input: CubeTensor, initial: CubeTensor, coeffs: CubeTensor) -> (CubeTensor, Option<CubeTensor>) {
    let input = into_contiguous(input);
    let initial = into_contiguous(initial);
    let coeffs = into_contiguous(coeffs);
    let shape = input.meta.shape().to_vec();
    let num_steps = shape[0];
    let num_neurons = shape.iter().skip(1).product::<usize>();
    let coeff_len = coeffs.meta.shape()[1];

    let mut out_shape = vec![model.outputs()];
    out_shape.extend_from_slice(&shape);
    let output = empty_like(&input, out_shape, input.dtype);
    let saved = (spec.saved_state == SavedState::Compact)
        .then(|| empty_like(&input, vec![compact_saved_words(num_steps, num_neurons, model)], DType::F32));
    // Bindings 0–3, then the params block (4), then the saved words (5).
    launch(
        LifPass::Forward,
        spec,
        model,
        &input,
        num_neurons,
        params(spec, num_steps, num_neurons, coeff_len),
        vec![input.clone(), initial, coeffs, output.clone()],
        saved.iter().cloned().collect(),
    );
    (output, saved)
}

/// Backward pass. `forward` is the `[outputs, T, ...]` output of [`lif_forward`] and `grad` the
/// gradient with respect to it. `input` is only read when `model.backward_needs_input(spec)`
/// (pass any tensor of the same dtype otherwise).
///
/// Returns `(grad_input_and_initial [T + states, ...], grad_coeffs)`: after the T rows of dL/dX
/// come the gradients of the initial states; the second holds per-neuron coefficient gradients
/// as `[coeff_rows, N]` f32 when `coeff_grads`, and is an unwritten `[coeff_rows, 1]`
/// placeholder otherwise.
pub fn lif_backward(
    spec: &LifSpec,
    model: NeuronModel,
    input: CubeTensor,
    initial: CubeTensor,
    coeffs: CubeTensor,
    forward: CubeTensor,
    grad: CubeTensor,
    coeff_grads: bool,
) -> (CubeTensor, CubeTensor) {
    let input = into_contiguous(input);
    let initial = into_contiguous(initial);
    let coeffs = into_contiguous(coeffs);
    let forward = into_contiguous(forward);
    let grad = into_contiguous(grad);
    // `forward` is the output, or the compact saved words: shapes come from the gradient.
    let shape = grad.meta.shape().to_vec();
    let num_steps = shape[1];
    let num_neurons = shape.iter().skip(2).product::<usize>();
    let coeff_len = coeffs.meta.shape()[1];

    let mut grad_shape = shape[1..].to_vec();
    grad_shape[0] = num_steps + model.states();
    let grad_input = empty_like(&grad, grad_shape, grad.dtype);
    let grad_coeffs = empty_like(&grad, vec![model.coeff_rows(), if coeff_grads { num_neurons } else { 1 }], DType::F32);
    launch(
        LifPass::Backward { coeff_grads },
        spec,
        model,
        // The kernel's storage dtype is the gradient's: `forward` may be the u32 saved words.
        &grad,
        num_neurons,
        params(spec, num_steps, num_neurons, coeff_len),
        vec![input, initial, coeffs, forward, grad.clone(), grad_input.clone(), grad_coeffs.clone()],
        Vec::new(),
    );
    (grad_input, grad_coeffs)
}
