//! Launchers for the hand-written WGSL kernels in `shaders/`.
//!
//! Each kernel family has one file here holding its [`KernelSource`](burn::backend::wgpu::KernelSource)
//! and its launch functions. Shader text is composed from the shared preamble and the family's
//! templates by [`compose`], which the naga tests call too, so the exact text that runs is the
//! text that is validated.

mod params;

#[cfg(feature = "poison-outputs")]
pub mod canary;

pub mod ceiling;
pub mod crossbar;
pub mod esn_layer;
pub mod lif;
pub mod mif;
pub mod pulsed_update;
pub mod reservoir_node;
pub mod spike_pack;
pub mod spike_propagate;
pub mod spikegen;
pub mod wox_node;

use burn::backend::wgpu::CubeTensor;
use burn::cubecl::CubeCount;
use burn::tensor::DType;

/// Bit-pattern NaN and infinity tests every kernel may use (the non-finite policy).
const NONFINITE: &str = include_str!("../../shaders/nonfinite.wgsl");

/// Invocations per workgroup for the 1-D elementwise-over-neurons kernels.
pub const WORKGROUP_SIZE: u32 = 256;

/// Largest number of workgroups wgpu allows in one dispatch dimension.
pub const MAX_WORKGROUPS_PER_DIMENSION: u32 = 65_535;

/// The text every kernel starts with: the `enable f16;` directive where the storage is f16 (a
/// directive must precede every declaration), the `Elem` storage alias, `WORKGROUP_SIZE`, and
/// the non-finite tests of `shaders/nonfinite.wgsl`, and the index helpers of a launch folded by
/// [`grid_1d`].
fn preamble(elem: Option<DType>) -> String {
    let mut out = String::from("// Preamble rendered by `kernels::compose` in front of every kernel.\n");
    if let Some(dtype) = elem {
        let (name, enable) = wgsl_elem(dtype);
        if !enable.is_empty() {
            out = format!("{enable}\n{out}");
        }
        out.push_str(&format!("alias Elem = {name};\n"));
    }
    out.push_str(NONFINITE);
    out.push_str(&format!(
        "const WORKGROUP_SIZE: u32 = {WORKGROUP_SIZE}u;

// Workgroup id of a launch folded into two dimensions by `grid_1d` (wgpu allows at most
// 65,535 workgroups per dimension).
fn workgroup_index(workgroup: vec3<u32>, num_workgroups: vec3<u32>) -> u32 {{
    return workgroup.y * num_workgroups.x + workgroup.x;
}}

// The invocation's linear index in such a launch; kernels bound-check it.
fn linear_index(workgroup: vec3<u32>, num_workgroups: vec3<u32>, local: u32) -> u32 {{
    return workgroup_index(workgroup, num_workgroups) * WORKGROUP_SIZE + local;
}}
"
    ));
    out
}

/// Composes one kernel: the shared preamble (see `preamble`) for storage dtype `elem` (`None` for kernels
/// without an `Elem` buffer), then `parts` in order, with every `{{ name }}` placeholder
/// filled from `values`.
///
/// Panics if a placeholder is left unfilled: that is a bug in a launcher, never user input.
pub fn compose(elem: Option<DType>, parts: &[&str], values: &[(&str, String)]) -> String {
    let mut out = preamble(elem);
    for part in parts {
        out.push('\n');
        out.push_str(part);
    }
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

/// One buffer of a kernel's bind group, as its WGSL declares it: the binding at position `i` of
/// a kernel's list is `@group(0) @binding(i) var<storage, read_write> name: TYPE;` (see
/// [`Binding::wgsl_declaration`]).
///
/// Each launcher file lists its kernels' bindings once (`lif::lif_bindings` and so on). The
/// launcher orders its buffers by that list, since the runtime binds the `i`-th buffer of a
/// launch to `@binding(i)`, and the naga tests hold every rendered variant's declarations to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// The WGSL variable's name; launchers name each buffer they bind by it.
    pub name: &'static str,
    /// What the buffer holds.
    pub element: BindingElement,
}

/// The WGSL type of a [`Binding`]: a runtime-sized array of one element type, a fixed-size
/// array of atomics, or a parameter block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingElement {
    /// `array<Elem>`: the kernel's storage dtype, f32 or f16 (see [`wgsl_elem`]).
    Elem,
    /// `array<f32>`, whatever the storage dtype.
    F32,
    /// `array<u32>`: bit patterns or counts.
    U32,
    /// `array<vec4<f32>>`.
    Vec4F32,
    /// `array<atomic<u32>, N>` with N elements.
    AtomicU32(u32),
    /// `array<atomic<u32>>`, runtime-sized.
    AtomicU32s,
    /// A parameter block: the WGSL struct of this name, rendered by `wgsl_params!`.
    Params(&'static str),
}

impl Binding {
    /// A binding named `name` holding `element`.
    pub const fn new(name: &'static str, element: BindingElement) -> Self {
        Binding { name, element }
    }

    /// The variable's WGSL type, with the storage dtype left as the `Elem` alias.
    pub fn wgsl_type(&self) -> String {
        match self.element {
            BindingElement::Elem => "array<Elem>".into(),
            BindingElement::F32 => "array<f32>".into(),
            BindingElement::U32 => "array<u32>".into(),
            BindingElement::Vec4F32 => "array<vec4<f32>>".into(),
            BindingElement::AtomicU32(len) => format!("array<atomic<u32>, {len}>"),
            BindingElement::AtomicU32s => "array<atomic<u32>>".into(),
            BindingElement::Params(name) => name.into(),
        }
    }

    /// The WGSL declaration of the binding at position `index` of its kernel's list.
    pub fn wgsl_declaration(&self, index: usize) -> String {
        format!("@group(0) @binding({index}) var<storage, read_write> {}: {};", self.name, self.wgsl_type())
    }
}

/// Puts a launch's buffers in the order of the kernel's `declared` bindings, each buffer given
/// with the name of the binding it fills. Panics if a declared name has no buffer or a buffer
/// fills no declared binding: a launcher bug, which would otherwise bind a buffer to the wrong
/// variable.
pub(crate) fn ordered_bindings<B>(declared: &[Binding], mut buffers: Vec<(&'static str, B)>) -> Vec<B> {
    let ordered = declared
        .iter()
        .map(|binding| {
            let at = buffers.iter().position(|(name, _)| *name == binding.name);
            buffers.swap_remove(at.unwrap_or_else(|| panic!("no buffer for binding `{}`", binding.name))).1
        })
        .collect();
    let extra: Vec<_> = buffers.iter().map(|(name, _)| *name).collect();
    assert!(extra.is_empty(), "buffers {extra:?} fill no declared binding");
    ordered
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

/// Allocates an uninitialised contiguous tensor on `like`'s device for a kernel to write.
///
/// With the `poison-outputs` feature (the kernel tests turn it on) the buffer starts as all-ones
/// bytes instead, NaN in f32 and f16 and `u32::MAX` in bit words, so an element a kernel fails
/// to write shows up in the comparison rather than passing as leftover memory; inside
/// [`canary::watch`] it also sits between guard bytes that reveal out-of-bounds writes.
pub(crate) fn empty_like(like: &CubeTensor, shape: Vec<usize>, dtype: DType) -> CubeTensor {
    let elements: usize = shape.iter().product();
    let bytes = elements * dtype.size();
    #[cfg(feature = "poison-outputs")]
    let handle = canary::allocate(&like.client, bytes, 0xFF, || format!("output {shape:?} {dtype:?}"));
    #[cfg(not(feature = "poison-outputs"))]
    let handle = like.client.empty(bytes);
    CubeTensor::new_contiguous(like.client.clone(), like.device.clone(), shape.into(), handle, dtype)
}

/// Zeroed memory (counters a kernel adds to atomically), guarded like outputs under the
/// `poison-outputs` feature's out-of-bounds watch.
pub(crate) fn zeroed(client: &burn::cubecl::client::Client, bytes: usize, what: &'static str) -> burn::cubecl::server::Handle {
    #[cfg(feature = "poison-outputs")]
    return canary::allocate(client, bytes, 0, || what.to_string());
    #[cfg(not(feature = "poison-outputs"))]
    {
        let _ = what;
        client.create_from_slice(&vec![0; bytes])
    }
}

/// Uninitialised scratch memory a launcher passes between its passes (guarded, like outputs,
/// under the `poison-outputs` feature's out-of-bounds watch).
pub(crate) fn scratch(client: &burn::cubecl::client::Client, bytes: usize, what: &'static str) -> burn::cubecl::server::Handle {
    #[cfg(feature = "poison-outputs")]
    return canary::allocate(client, bytes, 0xFF, || what.to_string());
    #[cfg(not(feature = "poison-outputs"))]
    {
        let _ = what;
        client.empty(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preamble_comes_first_and_enables_f16_only_for_f16() {
        let f16 = compose(Some(DType::F16), &["fn body() {}"], &[]);
        assert!(f16.starts_with("enable f16;\n"), "{f16}");
        assert!(f16.contains("alias Elem = f16;") && f16.contains("fn linear_index("));
        let f32 = compose(Some(DType::F32), &["fn body() {}"], &[]);
        assert!(!f32.contains("enable f16") && f32.contains("alias Elem = f32;"));
        let plain = compose(None, &["const X: u32 = {{ x }}u;"], &[("x", "3".into())]);
        assert!(!plain.contains("alias Elem") && plain.contains("const X: u32 = 3u;"));
    }

    #[test]
    #[should_panic(expected = "unfilled shader placeholder {{ y }}")]
    fn an_unfilled_placeholder_is_a_bug() {
        compose(None, &["{{ y }}"], &[]);
    }

    #[test]
    fn buffers_are_bound_in_the_declared_order() {
        let declared = [Binding::new("a", BindingElement::Elem), Binding::new("b", BindingElement::U32), Binding::new("c", BindingElement::F32)];
        assert_eq!(ordered_bindings(&declared, vec![("c", 3), ("a", 1), ("b", 2)]), [1, 2, 3]);
        assert_eq!(declared[1].wgsl_declaration(1), "@group(0) @binding(1) var<storage, read_write> b: array<u32>;");
    }

    #[test]
    #[should_panic(expected = "no buffer for binding `b`")]
    fn a_declared_binding_without_a_buffer_is_a_bug() {
        let declared = [Binding::new("a", BindingElement::Elem), Binding::new("b", BindingElement::U32)];
        ordered_bindings(&declared, vec![("a", 1), ("x", 2)]);
    }

    #[test]
    #[should_panic(expected = "fill no declared binding")]
    fn a_buffer_without_a_declared_binding_is_a_bug() {
        ordered_bindings(&[Binding::new("a", BindingElement::Elem)], vec![("a", 1), ("a", 2)]);
    }

    #[test]
    fn large_launches_fold_into_two_dimensions() {
        assert!(matches!(grid_1d(1, 256), CubeCount::Static(1, 1, 1)));
        assert!(matches!(grid_1d(257, 256), CubeCount::Static(2, 1, 1)));
        let items = 65_536 * 256;
        let CubeCount::Static(x, y, z) = grid_1d(items, 256) else { panic!("static grid") };
        assert!(x <= MAX_WORKGROUPS_PER_DIMENSION && y == 2 && z == 1);
        assert!((x as usize) * (y as usize) * 256 >= items);
    }
}
