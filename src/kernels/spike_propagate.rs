//! Event-driven spike propagation (`shaders/spike_propagate.wgsl`): the sparse forward
//! `Y = S·W` and the sparse weight gradient `dW = Sᵀ·dY`, one kernel with two stride settings.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;

use super::{WORKGROUP_SIZE, empty_like, grid_1d, render, wgsl_elem};

const SOURCE: &str = include_str!("../../shaders/spike_propagate.wgsl");

/// Mirror of the WGSL `PropagateParams` struct (checked against naga's layout in the tests).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct PropagateParams {
    pub groups: u32,
    pub reduce: u32,
    pub columns: u32,
    pub column_blocks: u32,
    pub stride_group: u32,
    pub stride_reduce: u32,
    pub _pad0: u32,
    pub _pad1: u32,
}

/// Renders the WGSL for one storage dtype.
pub fn spike_propagate_shader(dtype: DType) -> String {
    let (elem, enable) = wgsl_elem(dtype);
    render(
        SOURCE,
        &[
            ("enable_f16", enable.to_owned()),
            ("elem", elem.to_owned()),
            ("workgroup_size", WORKGROUP_SIZE.to_string()),
        ],
    )
}

#[derive(Debug)]
struct PropagateKernel {
    dtype: DType,
}

impl KernelSource for PropagateKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(spike_propagate_shader(self.dtype))
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((wgsl_elem(self.dtype).0, WORKGROUP_SIZE))
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// `out[a, c] = Σ_b S(a, b) · matrix[b, c]` over active b, with `S(a, b) = spikes[a·sg + b·sr]`.
fn launch(spikes: CubeTensor, matrix: CubeTensor, groups: usize, reduce: usize, strides: (usize, usize)) -> CubeTensor {
    let spikes = into_contiguous(spikes);
    let matrix = into_contiguous(matrix);
    let columns = matrix.meta.shape()[1];
    let column_blocks = columns.div_ceil(WORKGROUP_SIZE as usize);
    let output = empty_like(&matrix, vec![groups, columns], matrix.dtype);
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
    let client = &matrix.client;
    let params = client.create_from_slice(bytemuck::bytes_of(&params));
    let kernel = PropagateKernel { dtype: matrix.dtype };
    client.launch(
        Box::new(SourceKernel::new(kernel, CubeDim::new_1d(WORKGROUP_SIZE))),
        // One workgroup per (a, column block): the grid helper counts "items" of one workgroup.
        grid_1d(groups * column_blocks, 1),
        KernelArguments::new().with_buffers(vec![
            spikes.handle.binding(),
            matrix.handle.binding(),
            output.handle.clone().binding(),
            params.binding(),
        ]),
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
