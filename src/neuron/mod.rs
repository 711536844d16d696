//! What a neuron is, independent of where it runs: the build-time spec of the LIF family
//! ([`LifSpec`] and its parts) and the table of neuron kinds ([`NeuronKind`]) that says which
//! coefficient rows, state rows and output planes each kind has. The WGSL kernels, the CPU
//! reference, the backends and the public ops all read that one table.

mod custom;
mod kind;
mod spec;

pub use custom::CustomSurrogate;

pub use kind::{Coefficient, KernelBody, NeuronKind, NeuronLayout, Plane};
pub(crate) use spec::wgsl_codes;
pub use spec::{LifSpec, ResetMode, SavedState, StateQuant, Surrogate};
