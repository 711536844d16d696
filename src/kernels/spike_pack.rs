//! Bit-packing of binary spikes: `shaders/spike_pack.wgsl` (S → u32 words, one bit per spike)
//! and `shaders/spike_unpack.wgsl` (back to 0/1 values). A synapse layer fed binary spikes
//! keeps the packed form for its weight gradient.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, empty_like, grid_1d, ordered_bindings, wgsl_elem, zeroed};

const PACK: &str = include_str!("../../shaders/spike_pack.wgsl");
const UNPACK: &str = include_str!("../../shaders/spike_unpack.wgsl");

wgsl_params! {
    /// The kernels' parameter block; the WGSL struct of the same name is rendered from it.
    #[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct PackParams {
        pub rows: u32,
        pub columns: u32,
        pub words_per_row: u32,
        /// Workgroups per row: ⌈columns / WORKGROUP_SIZE⌉.
        pub column_blocks: u32,
    }
}

/// Which direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackPass {
    Pack,
    Unpack,
}

/// The bindings of one direction, in binding order. The pack's counts are `[active, invalid]`.
pub fn spike_pack_bindings(pass: PackPass) -> Vec<Binding> {
    use BindingElement::{AtomicU32, Elem, Params, U32};
    let params = Binding::new("params", Params(PackParams::NAME));
    match pass {
        PackPass::Pack => vec![Binding::new("spikes", Elem), Binding::new("packed", U32), params, Binding::new("counts", AtomicU32(2))],
        PackPass::Unpack => vec![Binding::new("packed", U32), Binding::new("spikes", Elem), params],
    }
}

/// Renders one kernel for a storage dtype (of the spikes).
pub fn spike_pack_shader(pass: PackPass, dtype: DType) -> String {
    let body = match pass {
        PackPass::Pack => PACK,
        PackPass::Unpack => UNPACK,
    };
    compose(Some(dtype), &[PackParams::WGSL, body], &[])
}

#[derive(Debug)]
struct PackKernel {
    pass: PackPass,
    dtype: DType,
}

impl KernelSource for PackKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(spike_pack_shader(self.pass, self.dtype))
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.pass, wgsl_elem(self.dtype).0, WORKGROUP_SIZE))
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// u32 words per row of `columns` spikes.
pub fn words_per_row(columns: usize) -> usize {
    columns.div_ceil(32)
}

fn params(rows: usize, columns: usize) -> PackParams {
    PackParams {
        rows: rows as u32,
        columns: columns as u32,
        words_per_row: words_per_row(columns) as u32,
        column_blocks: columns.div_ceil(WORKGROUP_SIZE as usize) as u32,
    }
}

/// `spikes [rows, columns]` (binary) → `[rows, ⌈columns/32⌉]` u32 words in an F32-typed tensor
/// (bit patterns, never arithmetic), and `[active, invalid]` counts as two u32 in an F32-typed
/// `[2]` tensor.
pub fn spike_pack(spikes: CubeTensor) -> (CubeTensor, CubeTensor) {
    let spikes = into_contiguous(spikes);
    let [rows, columns] = [spikes.meta.shape()[0], spikes.meta.shape()[1]];
    let params = params(rows, columns);
    let packed = empty_like(&spikes, vec![rows, words_per_row(columns)], DType::F32);
    let client = spikes.client.clone();
    let params_handle = client.create_from_slice(bytemuck::bytes_of(&params));
    let counts = CubeTensor::new_contiguous(
        client.clone(),
        spikes.device.clone(),
        vec![2].into(),
        zeroed(&client, 2 * size_of::<u32>(), "spike_pack counts"),
        DType::F32,
    );
    client.launch(
        Box::new(SourceKernel::new(PackKernel { pass: PackPass::Pack, dtype: spikes.dtype }, CubeDim::new_1d(WORKGROUP_SIZE))),
        // One workgroup per (row, block of WORKGROUP_SIZE columns).
        grid_1d(rows * params.column_blocks as usize, 1),
        KernelArguments::new().with_buffers(ordered_bindings(
            &spike_pack_bindings(PackPass::Pack),
            vec![
                ("spikes", spikes.handle.binding()),
                ("packed", packed.handle.clone().binding()),
                ("params", params_handle.binding()),
                ("counts", counts.handle.clone().binding()),
            ],
        )),
    );
    (packed, counts)
}

/// The words of [`spike_pack`] → `[rows, columns]` 0/1 spikes of `dtype`.
pub fn spike_unpack(packed: CubeTensor, columns: usize, dtype: DType) -> CubeTensor {
    let packed = into_contiguous(packed);
    let rows = packed.meta.shape()[0];
    let params = params(rows, columns);
    let spikes = empty_like(&packed, vec![rows, columns], dtype);
    let client = packed.client.clone();
    let params_handle = client.create_from_slice(bytemuck::bytes_of(&params));
    client.launch(
        Box::new(SourceKernel::new(PackKernel { pass: PackPass::Unpack, dtype }, CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(rows * columns, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(ordered_bindings(
            &spike_pack_bindings(PackPass::Unpack),
            vec![("packed", packed.handle.binding()), ("spikes", spikes.handle.clone().binding()), ("params", params_handle.binding())],
        )),
    );
    spikes
}
