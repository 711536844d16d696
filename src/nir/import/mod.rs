//! NIR graphs as runnable, trainable models: [`import`] turns a [`NirGraph`] into a
//! [`NirModel`] whose affine and convolution nodes are `burn::nn` layers and whose neurons run
//! on our fused kernels.
//!
//! NIR describes neurons in continuous time; running them needs a time step and a rule.
//! [`ImportOptions::dt`] is the step (default 1e-4 s, the one snnTorch's exporter and importer
//! hard-code) and [`Discretisation::ForwardEuler`] the rule snnTorch uses both ways:
//! `β = 1 − dt/τ`, input scaled by `R·dt/τ`, so a `Leaky` (β, θ) exported by snnTorch
//! (τ = dt/(1 − β), R = τ/dt) comes back as exactly `U[t] = β·U[t−1] + X[t]`. Spikes are
//! `v > v_threshold`, after which `v = v_reset` in the same step; the membrane each step
//! reports is the one after that reset. The formulas per neuron type are in the `neuron`
//! submodule's documentation and the README.
//!
//! Nodes connect as the edges say; several edges into one node are summed. A nested graph is
//! inlined (its nodes are named `graph.node`). Cycles — recurrent layers — run step by step with
//! the one-step delay on the edges leaving a neuron of the cycle (see the `plan` submodule);
//! everything else runs over all steps in one go.
//!
//! ```no_run
//! use burn_neuro::nir::{self, ImportOptions};
//! # fn main() -> burn_neuro::Result<()> {
//! let device = burn::tensor::Device::default();
//! let graph = nir::read(std::path::Path::new("model.nir"))?;
//! let model = nir::import(&graph, &ImportOptions::default(), &device)?;
//! let input = burn::tensor::Tensor::<3>::zeros([25, 1, model.input_shape().iter().product::<usize>()], &device);
//! let outputs = model.forward(input)?; // [T, batch, features] per Output node
//! # Ok(())
//! # }
//! ```

mod field;
mod model;
mod neuron;
mod node;
mod plan;

use burn::tensor::Device;

use super::NirGraph;
use crate::error::{NeuroError, Result};

pub use model::{NirModel, NirRun};
pub use neuron::{Emits, NeuronNode, NeuronTrace};
pub use node::{Conv1dNode, Conv2dNode, ElementwiseNode, FixedNode, NodeModule};

/// How continuous-time neurons become steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discretisation {
    /// Forward Euler with the input held over the step and the membrane driven by the new
    /// synaptic current (snnTorch's `Leaky` and `Synaptic`; what its exporter assumes).
    #[default]
    ForwardEuler,
    /// Norse 1.1's cells: forward Euler as above, but a `CubaLIF`'s current steps by `w_in·S`
    /// (Norse's `LIFCell` adds its input to the current whole, where NIR's equation gives
    /// `w_in·dt/τ_syn·S`) and membranes start at `v_leak`. Norse 1.1's exporter also writes
    /// `dt/τ⁻¹ = τ·dt` where τ belongs: a file it wrote with its default dt = 1e-3 runs as Norse
    /// ran it with `dt = 1e-6` (dt²).
    Norse,
    /// The exact decay over a step with the input held through it: every `dt/τ` of forward
    /// Euler becomes `1 − exp(−dt/τ)` (β = exp(−dt/τ), input gain R·(1 − β)), and τ < dt is
    /// allowed. The decay Sinabs and Rockpool use; no fixture here checks their input scaling.
    /// Approaches `ForwardEuler` as dt/τ → 0.
    Exponential,
}

/// How to import.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImportOptions {
    /// Time step in seconds (snnTorch's exporter writes τ for 1e-4 s).
    pub dt: f64,
    /// The discretisation of the neuron equations.
    pub discretisation: Discretisation,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { dt: super::export::SNNTORCH_DT, discretisation: Discretisation::ForwardEuler }
    }
}

/// An error naming the node (by path) and what it needs.
pub(crate) fn refused(path: &str, expected: String) -> NeuroError {
    NeuroError::Range { argument: "graph", value: if path.is_empty() { "(top level)".into() } else { format!("node {path}") }, expected }
}

/// Imports `graph` as a model on `device`. Errors name the node and what was expected: an
/// unknown or missing field, a shape that does not fit its input, a time constant shorter
/// than `dt`, a cycle with no neuron on it, a graph without exactly one top-level `Input`.
pub fn import(graph: &NirGraph, options: &ImportOptions, device: &Device) -> Result<NirModel> {
    if !(options.dt.is_finite() && options.dt > 0.0) {
        return Err(NeuroError::Range { argument: "dt", value: options.dt.to_string(), expected: "a positive time step in seconds".into() });
    }
    let plan = plan::Plan::new(graph)?;
    NirModel::new(plan, *options, device)
}
