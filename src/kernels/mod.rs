//! Launchers for the hand-written WGSL kernels in `shaders/`.
//!
//! Each kernel family has one file here holding its [`KernelSource`](burn::backend::wgpu::KernelSource)
//! and its launch functions. Shader text is rendered from templates by [`render`], which the
//! naga tests call too, so the exact text that runs is the text that is validated.

pub mod ceilings;
pub mod crossbar;
pub mod lif;
pub mod spike_pack;
pub mod spike_propagate;
pub mod spikegen;

use burn::backend::wgpu::CubeTensor;
use burn::cubecl::CubeCount;
use burn::tensor::DType;

/// Invocations per workgroup for the 1-D elementwise-over-neurons kernels.
pub const WORKGROUP_SIZE: u32 = 256;

/// Largest number of workgroups wgpu allows in one dispatch dimension.
pub const MAX_WORKGROUPS_PER_DIMENSION: u32 = 65_535;

/// Substitutes every `{{ name }}` placeholder of `template`.
///
/// Panics if a placeholder is left unfilled: that is a bug in a launcher, never user input.
pub fn render(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{{ {name} }}}}"), value);
    }
    if let Some(at) = out.find("{{") {
        let end = out[at..].find("}}").map_or(out.len(), |e| at + e + 2);
        panic!("unfilled shader placeholder {}", &out[at..end]);
    }
    out
}

/// WGSL spelling of a storage dtype, and the `enable` line it needs.
pub fn wgsl_elem(dtype: DType) -> (&'static str, &'static str) {
    match dtype {
        DType::F16 => ("f16", "enable f16;"),
        DType::F32 => ("f32", ""),
        other => panic!("no WGSL storage type for {other:?}; callers validate dtypes first"),
    }
}

/// Workgroup grid covering `items` invocations of `workgroup_size`, folded into two dimensions
/// when one dimension would exceed the 65,535 limit. Kernels rebuild the linear index as
/// `(workgroup.y * num_workgroups.x + workgroup.x) * workgroup_size + local` and bound-check it.
pub fn grid_1d(items: usize, workgroup_size: u32) -> CubeCount {
    let groups = items.div_ceil(workgroup_size as usize).max(1);
    let max = MAX_WORKGROUPS_PER_DIMENSION as usize;
    if groups <= max {
        return CubeCount::Static(groups as u32, 1, 1);
    }
    let rows = groups.div_ceil(max);
    let columns = groups.div_ceil(rows);
    CubeCount::Static(columns as u32, rows as u32, 1)
}

/// Allocates an uninitialised contiguous tensor on `like`'s device.
pub(crate) fn empty_like(like: &CubeTensor, shape: Vec<usize>, dtype: DType) -> CubeTensor {
    let elements: usize = shape.iter().product();
    let handle = like.client.empty(elements * dtype.size());
    CubeTensor::new_contiguous(like.client.clone(), like.device.clone(), shape.into(), handle, dtype)
}
