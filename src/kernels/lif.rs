//! Fused multi-step LIF: WGSL forward and reverse-scan backward on Burn's wgpu client.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, empty_like, grid_1d, ordered_bindings, wgsl_elem};
use crate::neuron::{KernelBody, LifSpec, NeuronKind, SavedState, wgsl_codes};

const COMMON: &str = include_str!("../../shaders/lif_common.wgsl");
const FORWARD: &str = include_str!("../../shaders/lif_forward.wgsl");
const BACKWARD: &str = include_str!("../../shaders/lif_backward.wgsl");
const ALPHA_FORWARD: &str = include_str!("../../shaders/lif_alpha_forward.wgsl");
const ALPHA_BACKWARD: &str = include_str!("../../shaders/lif_alpha_backward.wgsl");
const SAVED_FULL: &str = include_str!("../../shaders/lif_saved_full.wgsl");
const SAVED_COMPACT: &str = include_str!("../../shaders/lif_saved_compact.wgsl");
const SAVED_NONE: &str = include_str!("../../shaders/lif_saved_none.wgsl");

wgsl_params! {
    /// The kernels' parameter block; the WGSL struct of the same name is rendered from it.
    #[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct LifParams {
        pub num_steps: u32,
        pub num_neurons: u32,
        /// Length of the β and θ vectors; neuron n uses index n % coeff_len.
        pub coeff_len: u32,
        /// 0: no state quantization.
        pub quant_levels: u32,
        /// Surrogate parameters: slope/alpha, and β for spike_rate_escape or the bound B for SFS.
        pub surrogate_a: f32,
        pub surrogate_b: f32,
        pub quant_lower: f32,
        pub quant_step: f32,
        pub quant_inv_step: f32,
        pub _pad0: u32,
        pub _pad1: u32,
        pub _pad2: u32,
    }
}

/// Which of the two LIF kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifPass {
    Forward,
    /// The reverse scan; `coeff_grads` says whether it also writes dL/dβ and dL/dθ.
    Backward {
        coeff_grads: bool,
    },
}

/// The bindings of a LIF kernel, in binding order. With `SavedState::Compact` the forward
/// also writes the compact saved words (binding 5), and the backward reads them at binding 3
/// in place of the forward output. The neuron kind changes none of them: the alpha kernels
/// declare the same.
pub fn lif_bindings(pass: LifPass, spec: &LifSpec) -> Vec<Binding> {
    use BindingElement::{Elem, F32, Params, U32};
    let compact = spec.saved_state == SavedState::Compact;
    let saved = Binding::new("saved", U32);
    let params = Binding::new("params", Params(LifParams::NAME));
    let mut list = vec![Binding::new("input", Elem), Binding::new("initial", Elem), Binding::new("coeffs", F32)];
    match pass {
        LifPass::Forward => {
            list.extend([Binding::new("output", Elem), params]);
            list.extend(compact.then_some(saved));
        }
        LifPass::Backward { .. } => {
            list.push(if compact { saved } else { Binding::new("forward", Elem) });
            list.extend([Binding::new("grad", Elem), Binding::new("grad_input", Elem), Binding::new("grad_coeffs", F32), params]);
        }
    }
    list
}

/// Renders the WGSL of one LIF kernel variant for a neuron kind. With
/// `SavedState::Compact` the forward also writes the compact saved state (binding 5) and the
/// backward reads it (binding 3) in place of the forward output.
pub fn lif_shader(pass: LifPass, spec: &LifSpec, dtype: DType, kind: NeuronKind) -> String {
    let compact = spec.saved_state == SavedState::Compact;
    let saved = match (pass, compact) {
        (LifPass::Forward, false) => SAVED_NONE,
        (LifPass::Backward { .. }, false) => SAVED_FULL,
        (_, true) => SAVED_COMPACT,
    };
    // The compact snippet serves both passes, at the position the pass's list gives it.
    let saved_binding = lif_bindings(pass, spec).iter().position(|b| b.name == "saved").map_or(String::new(), |at| at.to_string());
    let (body, coeff_grads) = match (pass, kind.layout().body) {
        (LifPass::Forward, KernelBody::Lif) => (FORWARD, false),
        (LifPass::Forward, KernelBody::Alpha) => (ALPHA_FORWARD, false),
        (LifPass::Backward { coeff_grads }, KernelBody::Lif) => (BACKWARD, coeff_grads),
        (LifPass::Backward { coeff_grads }, KernelBody::Alpha) => (ALPHA_BACKWARD, coeff_grads),
    };
    compose(
        Some(dtype),
        &[LifParams::WGSL, COMMON, saved, body],
        &[
            ("reset_mode", spec.reset.shader_code().to_string()),
            ("reset_delay", spec.reset_delay.to_string()),
            ("surrogate", spec.surrogate.shader_code().to_string()),
            ("coeff_grads", coeff_grads.to_string()),
            ("layout", kind.wgsl_constants()),
            ("codes", wgsl_codes()),
            ("compact", compact.to_string()),
            ("saved_planes", (kind.outputs() - 1).to_string()),
            ("saved_binding", saved_binding),
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
    kind: NeuronKind,
}

impl KernelSource for LifKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(lif_shader(self.pass, &self.spec, self.dtype, self.kind))
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((
            self.pass,
            wgsl_elem(self.dtype).0,
            self.spec.reset.shader_code(),
            self.spec.reset_delay,
            self.spec.surrogate.shader_code(),
            self.spec.saved_state,
            self.kind,
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

/// Binds the named `buffers` and the params block in the order of [`lif_bindings`].
fn launch(
    pass: LifPass,
    spec: &LifSpec,
    kind: NeuronKind,
    like: &CubeTensor,
    num_neurons: usize,
    params: LifParams,
    buffers: Vec<(&'static str, CubeTensor)>,
) {
    let client = &like.client;
    let params = client.create_from_slice(bytemuck::bytes_of(&params));
    let mut named: Vec<_> = buffers.into_iter().map(|(name, t)| (name, t.handle.binding())).collect();
    named.push(("params", params.binding()));
    let bindings = ordered_bindings(&lif_bindings(pass, spec), named);
    let kernel = LifKernel { pass, spec: *spec, dtype: like.dtype, kind };
    client.launch(
        Box::new(SourceKernel::new(kernel, CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(num_neurons, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(bindings),
    );
}

/// Forward pass. `input` is `[T, ...]`; `coeffs` is `[kind.coeff_rows(), L]` f32 and `initial`
/// holds `kind.states()` rows of the `N = numel / T` starting states, both in the order of
/// `kind.layout()`. Returns `[kind.outputs(), T, ...]`, the output planes in that order.
///
/// Shapes and dtypes are validated by the public op before this is reached.
pub fn lif_forward(spec: &LifSpec, kind: NeuronKind, input: CubeTensor, initial: CubeTensor, coeffs: CubeTensor) -> CubeTensor {
    let spec = LifSpec { saved_state: SavedState::Full, ..*spec };
    forward(&spec, kind, input, initial, coeffs).0
}

/// [`lif_forward`] that also writes the compact saved state for a memory-light backward:
/// returns the output and `[compact_saved_words(T, N, kind)]` u32 words in an F32-typed tensor
/// (bit patterns, never arithmetic).
pub fn lif_forward_compact(spec: &LifSpec, kind: NeuronKind, input: CubeTensor, initial: CubeTensor, coeffs: CubeTensor) -> (CubeTensor, CubeTensor) {
    let spec = LifSpec { saved_state: SavedState::Compact, ..*spec };
    let (output, saved) = forward(&spec, kind, input, initial, coeffs);
    (output, saved.expect("a compact forward writes the saved state"))
}

/// u32 words of the compact saved state: ⌈T/32⌉·N spike words, then ⌈T/2⌉·N f16 pairs for
/// each state plane.
pub fn compact_saved_words(num_steps: usize, num_neurons: usize, kind: NeuronKind) -> usize {
    crate::reference::saved_state::compact_words(num_steps, num_neurons, kind.outputs() - 1)
}

fn forward(spec: &LifSpec, kind: NeuronKind, input: CubeTensor, initial: CubeTensor, coeffs: CubeTensor) -> (CubeTensor, Option<CubeTensor>) {
    let input = into_contiguous(input);
    let initial = into_contiguous(initial);
    let coeffs = into_contiguous(coeffs);
    let shape = input.meta.shape().to_vec();
    let num_steps = shape[0];
    let num_neurons = shape.iter().skip(1).product::<usize>();
    let coeff_len = coeffs.meta.shape()[1];

    let mut out_shape = vec![kind.outputs()];
    out_shape.extend_from_slice(&shape);
    let output = empty_like(&input, out_shape, input.dtype);
    let saved =
        (spec.saved_state == SavedState::Compact).then(|| empty_like(&input, vec![compact_saved_words(num_steps, num_neurons, kind)], DType::F32));
    let mut buffers = vec![("input", input.clone()), ("initial", initial), ("coeffs", coeffs), ("output", output.clone())];
    buffers.extend(saved.iter().map(|saved| ("saved", saved.clone())));
    launch(LifPass::Forward, spec, kind, &input, num_neurons, params(spec, num_steps, num_neurons, coeff_len), buffers);
    (output, saved)
}

/// Backward pass. `forward` is the `[outputs, T, ...]` output of [`lif_forward`] and `grad` the
/// gradient with respect to it. `input` is only read when `kind.backward_needs_input(spec)`
/// (pass any tensor of the same dtype otherwise).
///
/// Returns `(grad_input_and_initial [T + states, ...], grad_coeffs)`: after the T rows of dL/dX
/// come the gradients of the initial states; the second holds per-neuron coefficient gradients
/// as `[coeff_rows, N]` f32 when `coeff_grads`, and is an unwritten `[coeff_rows, 1]`
/// placeholder otherwise.
pub fn lif_backward(
    spec: &LifSpec,
    kind: NeuronKind,
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
    grad_shape[0] = num_steps + kind.states();
    let grad_input = empty_like(&grad, grad_shape, grad.dtype);
    let grad_coeffs = empty_like(&grad, vec![kind.coeff_rows(), if coeff_grads { num_neurons } else { 1 }], DType::F32);
    let stored = if spec.saved_state == SavedState::Compact { "saved" } else { "forward" };
    launch(
        LifPass::Backward { coeff_grads },
        spec,
        kind,
        // The kernel's storage dtype is the gradient's: `forward` may be the u32 saved words.
        &grad,
        num_neurons,
        params(spec, num_steps, num_neurons, coeff_len),
        vec![
            ("input", input),
            ("initial", initial),
            ("coeffs", coeffs),
            (stored, forward),
            ("grad", grad.clone()),
            ("grad_input", grad_input.clone()),
            ("grad_coeffs", grad_coeffs.clone()),
        ],
    );
    (grad_input, grad_coeffs)
}
