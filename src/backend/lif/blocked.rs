//! The neuron reference on the CPU path, run on blocks of neurons in parallel.
//!
//! Neurons are independent, so a stacked problem splits by columns: each block of [`BLOCK`]
//! neurons runs on a rayon thread. The references compute a range of columns in place
//! ([`lif::lif_forward_columns`], [`alpha::alpha_forward_columns`] and their backwards,
//! time-outer over the range), reading the whole `[T, N]` buffers and writing their columns'
//! row pieces of the stacked output directly. Every neuron runs the reference's own arithmetic
//! in its own order, so the result is bit-identical to one serial call
//! (`tests::blocks_equal_one_serial_call` holds it to that).

use std::ops::Range;

use rayon::prelude::*;

use crate::neuron::{Coefficient, KernelBody, Plane};
use crate::reference::alpha::{self, AlphaGradientsMut, AlphaPlanes, AlphaRowsMut};
use crate::reference::lif::{self, LifGradientsMut, LifPlanes, LifRowsMut};
use crate::reference::neuron::StackedProblem;

/// Neurons per block: a step's row piece is 1 KiB per plane (the block's states stay in L1),
/// and a real layer still gives every core many blocks.
pub const BLOCK: usize = 256;

/// `out` (`[rows, columns]`) as one list of row pieces per block of [`BLOCK`] columns, so that
/// blocks write their columns in parallel.
fn column_blocks(out: &mut [f32], columns: usize) -> Vec<Vec<&mut [f32]>> {
    let mut per_block: Vec<Vec<&mut [f32]>> = (0..columns.div_ceil(BLOCK)).map(|_| Vec::with_capacity(out.len() / columns)).collect();
    for row in out.chunks_exact_mut(columns) {
        for (block, piece) in per_block.iter_mut().zip(row.chunks_mut(BLOCK)) {
            block.push(piece);
        }
    }
    per_block
}

/// The column ranges of `neurons` in blocks of [`BLOCK`].
fn blocks(neurons: usize) -> Vec<Range<usize>> {
    (0..neurons).step_by(BLOCK).map(|start| start..(start + BLOCK).min(neurons)).collect()
}

fn num_neurons(p: &StackedProblem) -> usize {
    p.initial.len() / p.kind.states()
}

/// Plane `row` of a stacked `[planes, len]` buffer; empty for a plane the kind does not have.
fn output_plane(values: &[f32], row: Option<usize>, len: usize) -> &[f32] {
    row.map_or(&[], |row| &values[row * len..(row + 1) * len])
}

/// A block's row pieces, handed out once each by their row in the kind's layout (a row the
/// kind does not have is empty).
struct Pieces<T>(Vec<Option<T>>);

impl<T: Default> Pieces<T> {
    fn new(pieces: impl IntoIterator<Item = T>) -> Self {
        Pieces(pieces.into_iter().map(Some).collect())
    }

    fn take(&mut self, row: Option<usize>) -> T {
        row.and_then(|row| self.0[row].take()).unwrap_or_default()
    }
}

/// `rows` (a block's pieces of `[planes · steps, N]`) as one list of `steps` pieces per plane.
fn split_rows(rows: Vec<&mut [f32]>, steps: usize) -> Vec<Vec<&mut [f32]>> {
    let mut rows = rows.into_iter();
    let planes = rows.len() / steps;
    (0..planes).map(|_| rows.by_ref().take(steps).collect()).collect()
}

/// The reference's forward: the stacked `[outputs, T, N]` output.
pub fn forward(p: &StackedProblem) -> Vec<f32> {
    let layout = p.kind.layout();
    let (steps, neurons) = (p.num_steps, num_neurons(p));
    let mut out = vec![0.0; layout.outputs.len() * steps * neurons];
    blocks(neurons).into_par_iter().zip(column_blocks(&mut out, neurons)).for_each(|(range, pieces)| {
        // The block's `outputs · T` row pieces, T per plane in the layout's order.
        let mut planes = Pieces::new(split_rows(pieces, steps));
        let mut plane = |name: Plane| planes.take(layout.output_plane(name));
        match layout.body {
            KernelBody::Lif => {
                let rows = LifRowsMut { spikes: plane(Plane::Spikes), membrane: plane(Plane::Membrane), synaptic: plane(Plane::Synaptic) };
                lif::lif_forward_columns(&p.lif(), range, rows);
            }
            KernelBody::Alpha => {
                let rows = AlphaRowsMut {
                    spikes: plane(Plane::Spikes),
                    membrane: plane(Plane::Membrane),
                    excitatory: plane(Plane::Excitatory),
                    inhibitory: plane(Plane::Inhibitory),
                };
                alpha::alpha_forward_columns(&p.alpha(), range, rows);
            }
        }
    });
    out
}

/// The reference's backward: `[T + states, N]` input and state gradients and
/// `[coeff_rows, N]` per-neuron coefficient gradients, from the stacked forward output and its
/// gradient.
pub fn backward(p: &StackedProblem, forward: &[f32], grad: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let layout = p.kind.layout();
    let (steps, neurons) = (p.num_steps, num_neurons(p));
    let len = steps * neurons;
    let plane = |values, name| output_plane(values, layout.output_plane(name), len);
    let mut grad_input = vec![0.0; (steps + p.kind.states()) * neurons];
    let mut grad_coeffs = vec![0.0; p.kind.coeff_rows() * neurons];
    let pieces = column_blocks(&mut grad_input, neurons).into_iter().zip(column_blocks(&mut grad_coeffs, neurons));
    blocks(neurons).into_par_iter().zip(pieces.collect::<Vec<_>>()).for_each(|(range, (mut input, coeffs))| {
        // dL/dX's T row pieces, then one per starting state, then one per coefficient row.
        let mut states = Pieces::new(input.split_off(steps));
        let mut coeffs = Pieces::new(coeffs);
        let mut state = |name: Plane| states.take(layout.state_row(name));
        let mut coeff = |name: Coefficient| coeffs.take(layout.coefficient_row(name));
        match layout.body {
            KernelBody::Lif => {
                let planes = LifPlanes {
                    spikes: plane(forward, Plane::Spikes),
                    membrane: plane(forward, Plane::Membrane),
                    synaptic: plane(forward, Plane::Synaptic),
                };
                let out = LifGradientsMut {
                    input,
                    initial: state(Plane::Membrane),
                    initial_synaptic: state(Plane::Synaptic),
                    initial_spike: state(Plane::Spikes),
                    beta: coeff(Coefficient::Beta),
                    theta: coeff(Coefficient::Threshold),
                    alpha: coeff(Coefficient::Alpha),
                    recurrent: coeff(Coefficient::RecurrentWeight),
                };
                let grads =
                    LifPlanes { spikes: plane(grad, Plane::Spikes), membrane: plane(grad, Plane::Membrane), synaptic: plane(grad, Plane::Synaptic) };
                lif::lif_backward_columns(&p.lif(), planes, grads, range, out);
            }
            KernelBody::Alpha => {
                let planes = AlphaPlanes {
                    spikes: plane(forward, Plane::Spikes),
                    membrane: plane(forward, Plane::Membrane),
                    excitatory: plane(forward, Plane::Excitatory),
                    inhibitory: plane(forward, Plane::Inhibitory),
                };
                let grads = [Plane::Spikes, Plane::Membrane, Plane::Excitatory, Plane::Inhibitory].map(|name| plane(grad, name));
                let out = AlphaGradientsMut {
                    input,
                    initial_membrane: state(Plane::Membrane),
                    initial_excitatory: state(Plane::Excitatory),
                    initial_inhibitory: state(Plane::Inhibitory),
                    alpha: coeff(Coefficient::Alpha),
                    beta: coeff(Coefficient::Beta),
                    theta: coeff(Coefficient::Threshold),
                };
                alpha::alpha_backward_columns(&p.alpha(), planes, grads, range, out);
            }
        }
    });
    (grad_input, grad_coeffs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neuron::{LifSpec, NeuronKind, ResetMode};
    use crate::reference::Storage;
    use crate::reference::neuron;

    /// Deterministic values in [lo, hi).
    fn values(len: usize, seed: u32, lo: f32, hi: f32) -> Vec<f32> {
        (0..len as u32).map(|i| lo + (hi - lo) * ((i.wrapping_mul(2_654_435_761) ^ seed) % 10_007) as f32 / 10_007.0).collect()
    }

    #[test]
    fn blocks_equal_one_serial_call() {
        // Neurons not a multiple of the block, a coefficient period that does not divide it,
        // every kind, forward and backward.
        let (steps, neurons) = (7, 3 * BLOCK + 37);
        for kind in NeuronKind::ALL {
            let spec = LifSpec { reset: ResetMode::Zero, reset_delay: false, ..LifSpec::snntorch_default() };
            let input = values(steps * neurons, 1, -0.5, 1.5);
            let initial = values(kind.states() * neurons, 2, 0.0, 1.0);
            let coeffs = values(kind.coeff_rows() * 5, 3, 0.3, 0.95);
            let p = StackedProblem { kind, spec, storage: Storage::F32, num_steps: steps, input: &input, initial: &initial, coeffs: &coeffs };
            let serial = neuron::forward(&p);
            assert_eq!(forward(&p), serial, "{kind:?} forward");
            let grad = values(serial.len(), 4, -1.0, 1.0);
            assert_eq!(backward(&p, &serial, &grad), neuron::backward(&p, &serial, &grad), "{kind:?} backward");
        }
    }
}
