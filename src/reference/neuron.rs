//! The neuron table's way into the CPU reference: any [`NeuronKind`] run on the row-stacked
//! buffers the kernels read and write (coefficient rows, starting-state rows, output planes, all
//! in the order of [`NeuronKind::layout`]). The Flex backend runs this; the per-kind specs are
//! [`super::lif`] and [`super::alpha`].

use super::Storage;
use super::alpha::{self, AlphaGradients, AlphaOutputs, AlphaProblem};
use super::lif::{self, LifGradients, LifOutputs, LifProblem, RecurrentState, SynapticState};
use crate::neuron::{Coefficient, KernelBody, LifSpec, NeuronKind, Plane};

/// One fused call on stacked buffers (f32 values already rounded to the storage dtype).
#[derive(Debug, Clone)]
pub struct StackedProblem<'a> {
    pub kind: NeuronKind,
    pub spec: LifSpec,
    pub storage: Storage,
    pub num_steps: usize,
    /// `[T, N]` input current.
    pub input: &'a [f32],
    /// `[states, N]` starting states.
    pub initial: &'a [f32],
    /// `[coeff_rows, L]` coefficients.
    pub coeffs: &'a [f32],
}

impl<'a> StackedProblem<'a> {
    fn num_neurons(&self) -> usize {
        self.initial.len() / self.kind.states()
    }

    fn coefficient(&self, coefficient: Coefficient) -> &'a [f32] {
        let layout = self.kind.layout();
        let len = self.coeffs.len() / layout.coefficients.len();
        let row = layout.coefficient_row(coefficient).expect("only coefficients of this kind are read");
        &self.coeffs[row * len..(row + 1) * len]
    }

    fn state(&self, plane: Plane) -> &'a [f32] {
        let n = self.num_neurons();
        let row = self.kind.layout().state_row(plane).expect("only states of this kind are read");
        &self.initial[row * n..(row + 1) * n]
    }

    fn has_state(&self, plane: Plane) -> bool {
        self.kind.layout().state_row(plane).is_some()
    }

    pub(crate) fn lif(&self) -> LifProblem<'a> {
        LifProblem {
            spec: self.spec,
            storage: self.storage,
            num_steps: self.num_steps,
            num_neurons: self.num_neurons(),
            input: self.input,
            initial: self.state(Plane::Membrane),
            beta: self.coefficient(Coefficient::Beta),
            theta: self.coefficient(Coefficient::Threshold),
            synaptic: self
                .has_state(Plane::Synaptic)
                .then(|| SynapticState { alpha: self.coefficient(Coefficient::Alpha), initial: self.state(Plane::Synaptic) }),
            recurrent: self
                .has_state(Plane::Spikes)
                .then(|| RecurrentState { weight: self.coefficient(Coefficient::RecurrentWeight), initial_spike: self.state(Plane::Spikes) }),
        }
    }

    pub(crate) fn alpha(&self) -> AlphaProblem<'a> {
        AlphaProblem {
            spec: self.spec,
            storage: self.storage,
            num_steps: self.num_steps,
            num_neurons: self.num_neurons(),
            input: self.input,
            initial_membrane: self.state(Plane::Membrane),
            initial_excitatory: self.state(Plane::Excitatory),
            initial_inhibitory: self.state(Plane::Inhibitory),
            alpha: self.coefficient(Coefficient::Alpha),
            beta: self.coefficient(Coefficient::Beta),
            theta: self.coefficient(Coefficient::Threshold),
        }
    }
}

/// Named access to one body's forward outputs and gradients.
trait Named {
    fn output(&self, plane: Plane) -> &[f32];
}

impl Named for LifOutputs {
    fn output(&self, plane: Plane) -> &[f32] {
        match plane {
            Plane::Spikes => &self.spikes,
            Plane::Membrane => &self.membrane,
            Plane::Synaptic => &self.synaptic,
            Plane::Excitatory | Plane::Inhibitory => unreachable!("not a LIF-body plane"),
        }
    }
}

impl Named for AlphaOutputs {
    fn output(&self, plane: Plane) -> &[f32] {
        match plane {
            Plane::Spikes => &self.spikes,
            Plane::Membrane => &self.membrane,
            Plane::Excitatory => &self.excitatory,
            Plane::Inhibitory => &self.inhibitory,
            Plane::Synaptic => unreachable!("not an Alpha plane"),
        }
    }
}

/// dL/dX, then the gradients of the starting states and per-neuron coefficients by name.
struct NamedGradients {
    input: Vec<f32>,
    states: Vec<(Plane, Vec<f32>)>,
    coefficients: Vec<(Coefficient, Vec<f32>)>,
}

impl NamedGradients {
    fn state(&self, plane: Plane) -> &[f32] {
        &self.states.iter().find(|(p, _)| *p == plane).expect("the body writes every state of its kinds").1
    }

    fn coefficient(&self, coefficient: Coefficient) -> &[f32] {
        &self.coefficients.iter().find(|(c, _)| *c == coefficient).expect("the body writes every coefficient of its kinds").1
    }
}

impl From<LifGradients> for NamedGradients {
    fn from(g: LifGradients) -> Self {
        NamedGradients {
            input: g.input,
            states: vec![(Plane::Membrane, g.initial), (Plane::Synaptic, g.initial_synaptic), (Plane::Spikes, g.initial_spike)],
            coefficients: vec![
                (Coefficient::Beta, g.beta),
                (Coefficient::Threshold, g.theta),
                (Coefficient::Alpha, g.alpha),
                (Coefficient::RecurrentWeight, g.recurrent),
            ],
        }
    }
}

impl From<AlphaGradients> for NamedGradients {
    fn from(g: AlphaGradients) -> Self {
        NamedGradients {
            input: g.input,
            states: vec![(Plane::Membrane, g.initial_membrane), (Plane::Excitatory, g.initial_excitatory), (Plane::Inhibitory, g.initial_inhibitory)],
            coefficients: vec![(Coefficient::Beta, g.beta), (Coefficient::Threshold, g.theta), (Coefficient::Alpha, g.alpha)],
        }
    }
}

/// The forward: `[outputs, T, N]`, planes in the kind's output order.
pub fn forward(p: &StackedProblem) -> Vec<f32> {
    let layout = p.kind.layout();
    let out: Box<dyn Named> = match layout.body {
        KernelBody::Lif => Box::new(lif::lif_forward(&p.lif())),
        KernelBody::Alpha => Box::new(alpha::alpha_forward(&p.alpha())),
    };
    let mut stacked = Vec::with_capacity(layout.outputs.len() * out.output(layout.outputs[0]).len());
    for &plane in layout.outputs {
        stacked.extend_from_slice(out.output(plane));
    }
    stacked
}

/// The backward from the stacked forward output and its gradient (`[outputs, T, N]` each):
/// returns `[T + states, N]` (dL/dX, then dL/d of each starting state in the kind's order) and
/// `[coeff_rows, N]` per-neuron coefficient gradients.
pub fn backward(p: &StackedProblem, forward: &[f32], grad: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let layout = p.kind.layout();
    let len = forward.len() / layout.outputs.len();
    let plane =
        |values: &[f32], plane: Plane| -> Vec<f32> { layout.output_plane(plane).map_or_else(Vec::new, |i| values[i * len..(i + 1) * len].to_vec()) };
    let g = match layout.body {
        KernelBody::Lif => {
            let outputs = LifOutputs {
                spikes: plane(forward, Plane::Spikes),
                membrane: plane(forward, Plane::Membrane),
                synaptic: plane(forward, Plane::Synaptic),
            };
            NamedGradients::from(lif::lif_backward(
                &p.lif(),
                &outputs,
                &plane(grad, Plane::Spikes),
                &plane(grad, Plane::Membrane),
                &plane(grad, Plane::Synaptic),
            ))
        }
        KernelBody::Alpha => {
            let outputs = AlphaOutputs {
                spikes: plane(forward, Plane::Spikes),
                membrane: plane(forward, Plane::Membrane),
                excitatory: plane(forward, Plane::Excitatory),
                inhibitory: plane(forward, Plane::Inhibitory),
            };
            let grads = [Plane::Spikes, Plane::Membrane, Plane::Excitatory, Plane::Inhibitory].map(|name| plane(grad, name));
            NamedGradients::from(alpha::alpha_backward(&p.alpha(), &outputs, [&grads[0], &grads[1], &grads[2], &grads[3]]))
        }
    };
    let mut grad_input = g.input.clone();
    for &state in layout.states {
        grad_input.extend_from_slice(g.state(state));
    }
    let mut grad_coeffs = Vec::with_capacity(layout.coefficients.len() * g.input.len());
    for &coefficient in layout.coefficients {
        grad_coeffs.extend_from_slice(g.coefficient(coefficient));
    }
    (grad_input, grad_coeffs)
}
