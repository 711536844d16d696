//! The neuron table: one row per [`NeuronKind`], naming its coefficient rows, its state rows
//! and its output planes in the order the kernels store them.
//!
//! Adding a kind is its row here, its branch in the WGSL kernel body and its step in the CPU
//! reference; the ops, backends, saved state, truncated BPTT and tests read the row.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::spec::{LifSpec, ResetMode};
use crate::error::{NeuroError, Result};

/// A per-neuron coefficient the kernels read from the `[rows, L]` f32 coefficient tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coefficient {
    /// Membrane decay β (the inhibitory decay for `Alpha`), clamped to [0, 1] when used.
    Beta,
    /// Firing threshold θ.
    Threshold,
    /// Current decay α (`Synaptic`, `RSynaptic`; the excitatory decay for `Alpha`).
    Alpha,
    /// One-to-one recurrent weight V (`RLeaky`, `RSynaptic`).
    RecurrentWeight,
}

impl Coefficient {
    /// Every coefficient, in the order their WGSL row constants are rendered.
    pub const ALL: [Coefficient; 4] = [Coefficient::Beta, Coefficient::Threshold, Coefficient::Alpha, Coefficient::RecurrentWeight];

    /// The argument name errors use for this coefficient.
    pub fn name(self) -> &'static str {
        match self {
            Coefficient::Beta => "beta",
            Coefficient::Threshold => "threshold",
            Coefficient::Alpha => "alpha",
            Coefficient::RecurrentWeight => "recurrent_weight",
        }
    }

    /// Whether a scalar value is acceptable, and the range errors state.
    pub fn check(self, value: f32) -> Result<()> {
        let (ok, expected) = match self {
            Coefficient::Beta | Coefficient::Alpha => ((0.0..=1.0).contains(&value), "a finite value in [0, 1]"),
            Coefficient::Threshold | Coefficient::RecurrentWeight => (value.is_finite(), "a finite value"),
        };
        if ok { Ok(()) } else { Err(NeuroError::Range { argument: self.name(), value: value.to_string(), expected: expected.into() }) }
    }

    fn wgsl_name(self) -> &'static str {
        match self {
            Coefficient::Beta => "BETA_ROW",
            Coefficient::Threshold => "THRESHOLD_ROW",
            Coefficient::Alpha => "ALPHA_ROW",
            Coefficient::RecurrentWeight => "RECURRENT_ROW",
        }
    }
}

/// A named per-neuron quantity: an output plane (`[T, ...]`), a state row (one step), or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Plane {
    /// S: the spikes (a state only for recurrent kinds, as S[t-1]).
    Spikes,
    /// U: the membrane potential.
    Membrane,
    /// I: the synaptic current.
    Synaptic,
    /// E: `Alpha`'s excitatory current.
    Excitatory,
    /// H: `Alpha`'s inhibitory current.
    Inhibitory,
}

impl Plane {
    /// Every plane, in the order their WGSL constants are rendered.
    pub const ALL: [Plane; 5] = [Plane::Spikes, Plane::Membrane, Plane::Synaptic, Plane::Excitatory, Plane::Inhibitory];

    /// The name of the plane.
    pub fn name(self) -> &'static str {
        match self {
            Plane::Spikes => "spikes",
            Plane::Membrane => "membrane",
            Plane::Synaptic => "synaptic",
            Plane::Excitatory => "excitatory",
            Plane::Inhibitory => "inhibitory",
        }
    }

    /// The argument name errors use for this plane as a starting state.
    pub fn state_argument(self) -> &'static str {
        match self {
            Plane::Spikes => "initial_spike",
            Plane::Membrane => "initial",
            Plane::Synaptic => "initial_synaptic",
            Plane::Excitatory => "initial_excitatory",
            Plane::Inhibitory => "initial_inhibitory",
        }
    }

    fn wgsl_name(self) -> &'static str {
        match self {
            Plane::Spikes => "SPIKES",
            Plane::Membrane => "MEMBRANE",
            Plane::Synaptic => "SYNAPTIC",
            Plane::Excitatory => "EXCITATORY",
            Plane::Inhibitory => "INHIBITORY",
        }
    }
}

/// Which WGSL kernel pair runs a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KernelBody {
    /// `lif_forward.wgsl` / `lif_backward.wgsl`: first-order membrane with an optional
    /// synaptic current and one-to-one recurrence.
    Lif,
    /// `lif_alpha_forward.wgsl` / `lif_alpha_backward.wgsl`: two currents and τ_α.
    Alpha,
}

/// One row of the neuron table.
#[derive(Debug, PartialEq, Eq)]
pub struct NeuronLayout {
    /// Rows of the `[rows, L]` coefficient tensor, in order.
    pub coefficients: &'static [Coefficient],
    /// Rows of the starting state (and of its gradient after the T input rows), in order.
    pub states: &'static [Plane],
    /// Planes of the `[planes, T, ...]` forward output, in order; spikes first, membrane second.
    pub outputs: &'static [Plane],
    /// The kernel pair.
    pub body: KernelBody,
    /// The backward always reads the input current X (not only for an immediate reset).
    pub backward_reads_input: bool,
}

impl NeuronLayout {
    /// The row of `coefficient`, if this kind has it.
    pub fn coefficient_row(&self, coefficient: Coefficient) -> Option<usize> {
        self.coefficients.iter().position(|&c| c == coefficient)
    }

    /// The starting-state row of `plane`, if this kind carries it across steps.
    pub fn state_row(&self, plane: Plane) -> Option<usize> {
        self.states.iter().position(|&p| p == plane)
    }

    /// The output plane index of `plane`, if this kind writes it.
    pub fn output_plane(&self, plane: Plane) -> Option<usize> {
        self.outputs.iter().position(|&p| p == plane)
    }
}

use Coefficient::{Alpha as A, Beta as B, RecurrentWeight as V, Threshold as Th};
use Plane::{Excitatory as E, Inhibitory as H, Membrane as U, Spikes as S, Synaptic as I};

const LEAKY: NeuronLayout =
    NeuronLayout { coefficients: &[B, Th], states: &[U], outputs: &[S, U], body: KernelBody::Lif, backward_reads_input: false };
const SYNAPTIC: NeuronLayout =
    NeuronLayout { coefficients: &[B, Th, A], states: &[U, I], outputs: &[S, U, I], body: KernelBody::Lif, backward_reads_input: false };
const RLEAKY: NeuronLayout =
    NeuronLayout { coefficients: &[B, Th, V], states: &[U, S], outputs: &[S, U], body: KernelBody::Lif, backward_reads_input: false };
const RSYNAPTIC: NeuronLayout =
    NeuronLayout { coefficients: &[B, Th, A, V], states: &[U, I, S], outputs: &[S, U, I], body: KernelBody::Lif, backward_reads_input: false };
// Alpha's backward rebuilds its unquantized currents from X.
const ALPHA: NeuronLayout =
    NeuronLayout { coefficients: &[B, Th, A], states: &[U, E, H], outputs: &[S, U, E, H], body: KernelBody::Alpha, backward_reads_input: true };

/// The neurons the fused kernels run (snnTorch's names). `Lapicque` is a `Leaky` with its own
/// parametrisation, not a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum NeuronKind {
    /// First-order LIF: `U[t] = β·U[t-1] + X[t] − R[t]·θ`.
    #[default]
    Leaky,
    /// A synaptic current `I[t] = α·I[t-1] + X[t]` drives the membrane.
    Synaptic,
    /// `Leaky` with one-to-one recurrence: `X[t] + V·S[t-1]`.
    RLeaky,
    /// `Synaptic` with one-to-one recurrence.
    RSynaptic,
    /// Dual-exponential: excitatory and inhibitory currents, `U = τ_α·(E + H)`.
    Alpha,
}

impl NeuronKind {
    /// Every kind (tests and shader validation iterate over it).
    pub const ALL: [NeuronKind; 5] = [NeuronKind::Leaky, NeuronKind::Synaptic, NeuronKind::RLeaky, NeuronKind::RSynaptic, NeuronKind::Alpha];

    /// This kind's row of the neuron table.
    pub fn layout(self) -> &'static NeuronLayout {
        match self {
            NeuronKind::Leaky => &LEAKY,
            NeuronKind::Synaptic => &SYNAPTIC,
            NeuronKind::RLeaky => &RLEAKY,
            NeuronKind::RSynaptic => &RSYNAPTIC,
            NeuronKind::Alpha => &ALPHA,
        }
    }

    /// Number of coefficient rows.
    pub fn coeff_rows(self) -> usize {
        self.layout().coefficients.len()
    }

    /// Number of starting-state rows.
    pub fn states(self) -> usize {
        self.layout().states.len()
    }

    /// Number of output planes.
    pub fn outputs(self) -> usize {
        self.layout().outputs.len()
    }

    /// Whether the backward pass reads the input current X.
    pub fn backward_needs_input(self, spec: &LifSpec) -> bool {
        // Otherwise only an immediate reset needs X: its pre-reset potential.
        self.layout().backward_reads_input || spec.backward_needs_input()
    }

    /// The spec choices this kind cannot take (snnTorch's `Alpha` always delays its reset,
    /// and its zero reset already clears every state).
    pub fn check_spec(self, spec: &LifSpec) -> Result<()> {
        if self != NeuronKind::Alpha {
            return Ok(());
        }
        if !spec.reset_delay {
            return Err(NeuroError::Range {
                argument: "reset_delay",
                value: "false".into(),
                expected: "true: snnTorch's Alpha always resets on the step after a spike".into(),
            });
        }
        if spec.reset == ResetMode::ZeroAll {
            return Err(NeuroError::Range {
                argument: "reset",
                value: "ZeroAll".into(),
                expected: "Subtract, Zero or None (Alpha's Zero already clears every state)".into(),
            });
        }
        Ok(())
    }

    /// The WGSL constants of this kind's table row: one `*_ROW`, `*_STATE` and `*_PLANE` index
    /// per coefficient and plane (`NO_ROW` where the kind has none), the plane counts, and the
    /// `SYNAPTIC` / `RECURRENT` switches of the LIF body.
    pub(crate) fn wgsl_constants(self) -> String {
        let layout = self.layout();
        let index = |found: Option<usize>| found.map_or("NO_ROW".to_string(), |i| format!("{i}u"));
        let mut out = String::from("// The neuron table row of this kind, rendered from `NeuronKind::layout`.\nconst NO_ROW: u32 = 0xffffffffu;\n");
        for c in Coefficient::ALL {
            let _ = writeln!(out, "const {}: u32 = {};", c.wgsl_name(), index(layout.coefficient_row(c)));
        }
        for p in Plane::ALL {
            let _ = writeln!(out, "const {}_STATE: u32 = {};", p.wgsl_name(), index(layout.state_row(p)));
            let _ = writeln!(out, "const {}_PLANE: u32 = {};", p.wgsl_name(), index(layout.output_plane(p)));
        }
        let _ = writeln!(out, "const STATE_ROWS: u32 = {}u;", layout.states.len());
        let _ = writeln!(out, "const OUTPUT_PLANES: u32 = {}u;", layout.outputs.len());
        let _ = writeln!(out, "const SYNAPTIC: bool = {};", layout.state_row(Plane::Synaptic).is_some());
        let _ = writeln!(out, "const RECURRENT: bool = {};", layout.state_row(Plane::Spikes).is_some());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_starts_with_beta_threshold_and_spikes_membrane() {
        for kind in NeuronKind::ALL {
            let layout = kind.layout();
            assert_eq!(&layout.coefficients[..2], &[Coefficient::Beta, Coefficient::Threshold], "{kind:?}");
            assert_eq!(&layout.outputs[..2], &[Plane::Spikes, Plane::Membrane], "{kind:?}");
            assert_eq!(layout.states[0], Plane::Membrane, "{kind:?}");
            // Every state but S[-1] is also written as an output, so a chunk's final state can
            // be read from its outputs.
            for &plane in layout.states {
                assert!(layout.output_plane(plane).is_some(), "{kind:?} {plane:?}");
            }
        }
    }

    #[test]
    fn rendered_rows_match_the_table() {
        let text = NeuronKind::RSynaptic.wgsl_constants();
        assert!(text.contains("const ALPHA_ROW: u32 = 2u;"), "{text}");
        assert!(text.contains("const RECURRENT_ROW: u32 = 3u;"), "{text}");
        assert!(text.contains("const SPIKES_STATE: u32 = 2u;"), "{text}");
        assert!(text.contains("const EXCITATORY_PLANE: u32 = NO_ROW;"), "{text}");
        assert!(text.contains("const SYNAPTIC: bool = true;") && text.contains("const RECURRENT: bool = true;"));
        let alpha = NeuronKind::Alpha.wgsl_constants();
        assert!(alpha.contains("const INHIBITORY_PLANE: u32 = 3u;") && alpha.contains("const SYNAPTIC: bool = false;"));
    }

    #[test]
    fn alpha_rejects_an_immediate_reset() {
        let spec = LifSpec { reset_delay: false, ..LifSpec::snntorch_default() };
        assert!(NeuronKind::Alpha.check_spec(&spec).unwrap_err().to_string().contains("reset_delay"));
        assert!(NeuronKind::Leaky.check_spec(&spec).is_ok());
    }
}
