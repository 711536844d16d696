//! # burn-neuro
//!
//! Hand-written WGSL kernels for spiking neural networks and analog in-memory computing under
//! the Burn deep-learning framework, running on any GPU wgpu reaches (Vulkan, Metal, DX12, GL)
//! and, through Burn's CPU backend, on machines without one.
//!
//! The public surface, top to bottom:
//! - [`snn`]: Burn modules ([`snn::Leaky`], [`snn::Synaptic`], …) to put next to `burn::nn`
//!   layers, spike encoders and losses;
//! - [`analog`]: crossbar-array layers and their configs;
//! - [`data`]: MNIST's IDX files and a generated digit set, as image batches; event streams
//!   (AEDAT 3.1, tonic's `.npy`, SpikingJelly's `.npz`, a generated gesture set) and their frames;
//! - [`reservoir`]: RN-Net's memristor reservoir nodes, the WOx memristor node, deep echo-state
//!   networks with their ridge readout, benchmark tasks and state spectra;
//! - [`nir`]: NIR model files (snnTorch, Norse, SpikingJelly, Lava, ...) read and written;
//! - [`quant`]: low-bit (quantized and binarized) weights and threshold annealing;
//! - [`spikeplot`]: raster plots, spike counts and membrane traces as PNG files;
//! - [`ops`]: checked functions on `Tensor<D>` ([`neuron_forward`], [`neuron_step`], [`lif`],
//!   spike propagation);
//! - `remote` (feature `remote`): every op on a device another machine serves;
//! - [`neuron`]: the neuron table ([`NeuronKind`]) and the spec ([`LifSpec`]) every neuron
//!   shares; [`NeuroError`], the one error type.
//!
//! Launchers, CPU references and backend implementations are crate internals; they stay
//! reachable (hidden from these docs) for the test crate and the command line.
#![warn(missing_docs)]

pub mod adapters;
pub mod analog;
#[doc(hidden)]
pub mod backend;
pub mod data;
pub mod device;
pub mod error;
#[doc(hidden)]
pub mod kernels;
pub mod neuron;
pub mod nir;
pub mod ops;
pub mod quant;
#[doc(hidden)]
pub mod reference;
#[cfg(feature = "remote")]
pub mod remote;
pub mod reservoir;
#[doc(hidden)]
pub mod rng;
pub mod snn;
pub mod spikeplot;

pub use error::{NeuroError, Result};
pub use neuron::{Coefficient, CustomSurrogate, LifSpec, NeuronKind, Plane, ResetMode, SavedState, StateQuant, Surrogate};
pub use ops::lif::{lif, lif_step};
pub use ops::neuron::{Neuron, NeuronOutput, NeuronParameter, NeuronState, neuron_forward, neuron_step};
