//! The backend extensions that carry our ops through Burn's runtime dispatch.
//!
//! `#[backend_extension]` generates the `Dispatch` routing; each kernel family has a folder with
//! its trait and one implementation per selected backend: Cube (our WGSL on Burn's wgpu
//! client), Autodiff (our backward kernels), Flex (Burn's CPU backend, running the CPU
//! reference), and — through [`wire`] — Fusion (records the op in the lazy stream, with all of
//! its arguments, and runs the Cube impl when the stream executes) and Burn's remote device.
//!
//! These are the raw, unchecked primitives; the checked public API lives in [`crate::ops`].

pub mod ceiling;
pub mod crossbar;
pub mod esn_layer;
mod flex_io;
pub mod lif;
pub mod mif;
pub mod pulsed_update;
pub mod reservoir_node;
pub mod spike_propagate;
pub mod spikegen;
pub mod update_quantize;
pub mod wire;
pub mod wox_node;

pub use ceiling::CeilingOps;
pub use crossbar::CrossbarOps;
pub use esn_layer::EsnLayerOps;
pub use lif::LifOps;
pub use mif::MifOps;
pub use pulsed_update::PulsedUpdateOps;
pub use reservoir_node::ReservoirNodeOps;
pub use spike_propagate::SpikePropagateOps;
pub use spikegen::SpikegenOps;
pub use update_quantize::UpdateQuantizeOps;
pub use wox_node::WoxNodeOps;
