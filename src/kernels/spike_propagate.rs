//! Event-driven spike propagation: the sparse forward `Y = S·W` and the sparse weight gradient
//! `dW = Sᵀ·dY`, each as two launches of the same pair of kernels with different strides:
//! `shaders/spike_compact.wgsl` lists the active entries of every row (workgroup prefix sum),
//! then `shaders/spike_accumulate.wgsl` sums only those rows of the matrix.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, empty_like, grid_1d, ordered_bindings, scratch, wgsl_elem};

const COMMON: &str = include_str!("../../shaders/spike_common.wgsl");
const COMPACT: &str = include_str!("../../shaders/spike_compact.wgsl");
const ACCUMULATE: &str = include_str!("../../shaders/spike_accumulate.wgsl");

/// The two passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropagatePass {
    /// List each row's active entries, in ascending order.
    Compact,
    /// Sum the listed rows of the matrix.
    Accumulate,
}

wgsl_params! {
    /// The kernels' parameter block; the WGSL struct of the same name is rendered from it.
    #[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct PropagateParams {
        /// Number of output rows (a), reduced entries (b) and columns (c).
        pub groups: u32,
        pub reduce: u32,
        pub columns: u32,
        /// Workgroups per output row in the accumulate pass: ceil(columns / WORKGROUP_SIZE).
        pub column_blocks: u32,
        pub stride_group: u32,
        pub stride_reduce: u32,
        pub _pad0: u32,
        pub _pad1: u32,
    }
}

/// The bindings of one pass, in binding order.
pub fn spike_propagate_bindings(pass: PropagatePass) -> Vec<Binding> {
    use BindingElement::{Elem, Params, U32};
    let params = Binding::new("params", Params(PropagateParams::NAME));
    match pass {
        PropagatePass::Compact => vec![Binding::new("spikes", Elem), Binding::new("active_list", U32), Binding::new("counts", U32), params],
        PropagatePass::Accumulate => vec![
            Binding::new("spikes", Elem),
            Binding::new("matrix", Elem),
            Binding::new("active_list", U32),
            Binding::new("counts", U32),
            Binding::new("output", Elem),
            params,
        ],
    }
}

/// Renders the WGSL of one pass for one storage dtype.
pub fn spike_propagate_shader(pass: PropagatePass, dtype: DType) -> String {
    let body = match pass {
        PropagatePass::Compact => COMPACT,
        PropagatePass::Accumulate => ACCUMULATE,
    };
    compose(Some(dtype), &[PropagateParams::WGSL, COMMON, body], &[])
}

#[derive(Debug)]
struct PropagateKernel {
    pass: PropagatePass,
    dtype: DType,
}

impl KernelSource for PropagateKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(spike_propagate_shader(self.pass, self.dtype))
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.pass, wgsl_elem(self.dtype).0, WORKGROUP_SIZE))
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// `out[a, c] = Σ_b S(a, b) · matrix[b, c]` over active b, with `S(a, b) = spikes[a·sg + b·sr]`.
fn launch(spikes: CubeTensor, matrix: CubeTensor, groups: usize, reduce: usize, strides: (usize, usize)) -> CubeTensor {
    let spikes = into_contiguous(spikes);
    let matrix = into_contiguous(matrix);
    let dtype = matrix.dtype;
    let columns = matrix.meta.shape()[1];
    let column_blocks = columns.div_ceil(WORKGROUP_SIZE as usize);
    let client = matrix.client.clone();
    let params = PropagateParams {
        groups: groups as u32,
        reduce: reduce as u32,
        columns: columns as u32,
        column_blocks: column_blocks as u32,
        stride_group: strides.0 as u32,
        stride_reduce: strides.1 as u32,
        _pad0: 0,
        _pad1: 0,
    };
    let params = client.create_from_slice(bytemuck::bytes_of(&params));
    let active = scratch(&client, groups * reduce * size_of::<u32>(), "spike_propagate active list");
    let counts = scratch(&client, groups * size_of::<u32>(), "spike_propagate counts");
    let output = empty_like(&matrix, vec![groups, columns], dtype);
    let kernel = |pass| Box::new(SourceKernel::new(PropagateKernel { pass, dtype }, CubeDim::new_1d(WORKGROUP_SIZE)));

    // One workgroup per a (the grid helper counts items of one workgroup each).
    client.launch(
        kernel(PropagatePass::Compact),
        grid_1d(groups, 1),
        KernelArguments::new().with_buffers(ordered_bindings(
            &spike_propagate_bindings(PropagatePass::Compact),
            vec![
                ("spikes", spikes.handle.clone().binding()),
                ("active_list", active.clone().binding()),
                ("counts", counts.clone().binding()),
                ("params", params.clone().binding()),
            ],
        )),
    );
    // One workgroup per (a, block of WORKGROUP_SIZE columns).
    client.launch(
        kernel(PropagatePass::Accumulate),
        grid_1d(groups * column_blocks, 1),
        KernelArguments::new().with_buffers(ordered_bindings(
            &spike_propagate_bindings(PropagatePass::Accumulate),
            vec![
                ("spikes", spikes.handle.binding()),
                ("matrix", matrix.handle.binding()),
                ("active_list", active.binding()),
                ("counts", counts.binding()),
                ("output", output.handle.clone().binding()),
                ("params", params.binding()),
            ],
        )),
    );
    output
}

/// Sparse forward: `spikes [R, N_in] · weight [N_in, N_out] → [R, N_out]`.
/// Shapes and dtypes are validated by the public op.
pub fn spike_propagate(spikes: CubeTensor, weight: CubeTensor) -> CubeTensor {
    let [rows, inputs] = [spikes.meta.shape()[0], spikes.meta.shape()[1]];
    launch(spikes, weight, rows, inputs, (inputs, 1))
}

/// Sparse weight gradient: `spikesᵀ [N_in, R] · grad_output [R, N_out] → [N_in, N_out]`;
/// rows of inputs that never fired come out as zeros without reading `grad_output`.
pub fn spike_weight_grad(spikes: CubeTensor, grad_output: CubeTensor) -> CubeTensor {
    let [rows, inputs] = [spikes.meta.shape()[0], spikes.meta.shape()[1]];
    launch(spikes, grad_output, inputs, rows, (1, inputs))
}
