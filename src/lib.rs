//! # burn-neuro
//!
//! Hand-written WGSL kernels for spiking neural networks under the Burn deep-learning framework,
//! running on any GPU wgpu reaches (Vulkan, Metal, DX12) and, through Burn's CPU backend, on
//! machines without one.
//!
//! Layers, top to bottom:
//! - [`snn`]: Burn modules ([`snn::Leaky`]) to put next to `burn::nn` layers;
//! - [`ops`]: checked functions on `Tensor<D>` ([`ops::lif::lif`], [`ops::lif::lif_step`]);
//! - [`backend`]: the `#[backend_extension]` trait and its Cube / Fusion / Autodiff / Flex impls;
//! - [`kernels`]: launchers of the WGSL in `shaders/`; [`reference`](mod@reference): the CPU spec of each kernel.

pub mod adapters;
pub mod analog;
pub mod backend;
pub mod bench;
pub mod chart;
pub mod device;
pub mod error;
pub mod kernels;
pub mod neuron;
pub mod ops;
pub mod reference;
pub mod rng;
pub mod snn;
pub mod train;

pub use error::{NeuroError, Result};
pub use neuron::{LifSpec, NeuronModel, ResetMode, SavedState, StateQuant, Surrogate};
pub use ops::alpha::{AlphaNeuron, AlphaOutput, AlphaState, alpha, alpha_step};
pub use ops::lif::{LifNeuron, LifOutput, NeuronParameter, lif, lif_step};
pub use ops::synaptic::{SynapticNeuron, SynapticOutput, SynapticState, synaptic, synaptic_step};
