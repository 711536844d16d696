//! CPU references: the executable spec of every kernel.
//!
//! Each reference performs the same f32 operations in the same order as its WGSL kernel and
//! rounds to the storage dtype where the kernel stores. The CPU (Flex) backend runs these
//! functions, and the kernel tests compare the GPU against them.

pub mod alpha;
pub mod ceiling;
pub mod crossbar;
pub mod esn_layer;
pub mod lif;
pub mod mif;
pub mod neuron;
pub mod pulsed_update;
pub mod reservoir_node;
pub mod saved_state;
pub mod spike_propagate;
pub mod spikegen;
pub mod wox_node;

/// A per-neuron parameter of period `values.len()` as the neurons of `columns` read it
/// (neuron n uses `n % len`: how a per-feature value broadcasts over a `[batch, features]`
/// layer).
pub(crate) fn per_neuron(values: &[f32], columns: &std::ops::Range<usize>) -> Vec<f32> {
    columns.clone().map(|n| values[n % values.len()]).collect()
}

/// Decays (β, α) as the kernels use them: clamped to [0, 1].
pub(crate) fn clamped(values: Vec<f32>) -> Vec<f32> {
    values.into_iter().map(|v| v.clamp(0.0, 1.0)).collect()
}

/// How a kernel stores tensors in memory; arithmetic is always f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Storage {
    /// 32-bit floats.
    F32,
    /// 16-bit floats: every stored value is rounded to the nearest f16.
    F16,
}

impl Storage {
    /// Rounds `value` the way a store to this storage does.
    #[inline]
    pub fn round(self, value: f32) -> f32 {
        match self {
            Storage::F32 => value,
            Storage::F16 => half::f16::from_f32(value).to_f32(),
        }
    }
}
