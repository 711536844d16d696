//! The neuron reference on the CPU path, run on blocks of neurons in parallel.
//!
//! Neurons are independent, so a stacked problem splits by columns: each block of [`BLOCK`]
//! neurons runs on a rayon thread. The LIF body's reference computes a range of columns in
//! place ([`lif::lif_forward_columns`], time-outer over the range), reading the whole `[T, N]`
//! buffers and writing its columns' row pieces of the stacked output directly. The Alpha
//! body's reference walks whole problems neuron by neuron, so its blocks are gathered into
//! small problems (T × [`BLOCK`] values per plane, in cache) and scattered back. Either way
//! every neuron runs the reference's own arithmetic in its own order, so the result is
//! bit-identical to one serial call (`tests::blocks_equal_one_serial_call` holds it to that).

use std::ops::Range;

use rayon::prelude::*;

use crate::neuron::{Coefficient, KernelBody, Plane};
use crate::reference::lif::{self, LifGradientsMut, LifPlanes, LifRowsMut};
use crate::reference::neuron::{self, StackedProblem};

/// Neurons per block: a step's row piece is 1 KiB per plane, T × 256 values per plane of a
/// gathered block stay in a core's L2 for T in the hundreds, and a real layer still gives every
/// core many blocks.
pub const BLOCK: usize = 256;

/// `values` as `[rows, columns]` restricted to the columns in `range`: `[rows, range.len()]`.
fn gather(values: &[f32], columns: usize, range: &Range<usize>) -> Vec<f32> {
    let mut out = Vec::with_capacity(values.len() / columns * range.len());
    for row in values.chunks_exact(columns) {
        out.extend_from_slice(&row[range.clone()]);
    }
    out
}

/// The coefficient rows `[rows, L]` as each neuron of `range` reads them (neuron n uses
/// column n % L): `[rows, range.len()]`.
fn gather_coefficients(coeffs: &[f32], rows: usize, range: &Range<usize>) -> Vec<f32> {
    let len = coeffs.len() / rows;
    coeffs.chunks_exact(len).flat_map(|row| range.clone().map(move |n| row[n % len])).collect()
}

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

/// Writes a block's `[rows, width]` values into its row pieces.
fn scatter(pieces: &mut [&mut [f32]], values: &[f32]) {
    let width = values.len() / pieces.len();
    for (piece, part) in pieces.iter_mut().zip(values.chunks_exact(width)) {
        piece.copy_from_slice(part);
    }
}

/// The column ranges of `neurons` in blocks of [`BLOCK`].
fn blocks(neurons: usize) -> Vec<Range<usize>> {
    (0..neurons).step_by(BLOCK).map(|start| start..(start + BLOCK).min(neurons)).collect()
}

/// The problem restricted to the neurons of `range`, owning its gathered buffers.
struct BlockProblem {
    input: Vec<f32>,
    initial: Vec<f32>,
    coeffs: Vec<f32>,
}

impl BlockProblem {
    fn new(p: &StackedProblem, neurons: usize, range: &Range<usize>) -> Self {
        BlockProblem {
            input: gather(p.input, neurons, range),
            initial: gather(p.initial, neurons, range),
            coeffs: gather_coefficients(p.coeffs, p.kind.coeff_rows(), range),
        }
    }

    fn problem<'a>(&'a self, p: &StackedProblem) -> StackedProblem<'a> {
        StackedProblem { input: &self.input, initial: &self.initial, coeffs: &self.coeffs, ..p.clone() }
    }
}

fn num_neurons(p: &StackedProblem) -> usize {
    p.initial.len() / p.kind.states()
}

/// [`neuron::forward`]: the stacked `[outputs, T, N]` output.
pub fn forward(p: &StackedProblem) -> Vec<f32> {
    let layout = p.kind.layout();
    if layout.body == KernelBody::Alpha {
        return gathered_forward(p);
    }
    let (steps, neurons) = (p.num_steps, num_neurons(p));
    let problem = p.lif();
    let mut out = vec![0.0; layout.outputs.len() * steps * neurons];
    blocks(neurons).into_par_iter().zip(column_blocks(&mut out, neurons)).for_each(|(range, pieces)| {
        // The block's `outputs · T` row pieces, T per plane in the layout's order.
        let mut planes = split_rows(pieces, steps);
        let mut plane = |name: Plane| layout.output_plane(name).map(|row| std::mem::take(&mut planes[row])).unwrap_or_default();
        let rows = LifRowsMut { spikes: plane(Plane::Spikes), membrane: plane(Plane::Membrane), synaptic: plane(Plane::Synaptic) };
        lif::lif_forward_columns(&problem, range, rows);
    });
    out
}

/// [`neuron::backward`]: `[T + states, N]` input and state gradients and `[coeff_rows, N]`
/// per-neuron coefficient gradients, from the stacked forward output and its gradient.
pub fn backward(p: &StackedProblem, forward: &[f32], grad: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let layout = p.kind.layout();
    if layout.body == KernelBody::Alpha {
        return gathered_backward(p, forward, grad);
    }
    let (steps, neurons) = (p.num_steps, num_neurons(p));
    let problem = p.lif();
    let len = steps * neurons;
    let plane = |values, name| output_plane(values, layout.output_plane(name), len);
    let planes =
        LifPlanes { spikes: plane(forward, Plane::Spikes), membrane: plane(forward, Plane::Membrane), synaptic: plane(forward, Plane::Synaptic) };
    let (grad_spikes, grad_membrane, grad_synaptic) = (plane(grad, Plane::Spikes), plane(grad, Plane::Membrane), plane(grad, Plane::Synaptic));
    let mut grad_input = vec![0.0; (steps + p.kind.states()) * neurons];
    let mut grad_coeffs = vec![0.0; p.kind.coeff_rows() * neurons];
    let pieces = column_blocks(&mut grad_input, neurons).into_iter().zip(column_blocks(&mut grad_coeffs, neurons));
    blocks(neurons).into_par_iter().zip(pieces.collect::<Vec<_>>()).for_each(|(range, (mut input, coeffs))| {
        // dL/dX's T row pieces, then one per starting state, then one per coefficient row.
        let mut states: Vec<Option<&mut [f32]>> = input.split_off(steps).into_iter().map(Some).collect();
        let mut coeffs: Vec<Option<&mut [f32]>> = coeffs.into_iter().map(Some).collect();
        let mut state = |name: Plane| layout.state_row(name).and_then(|row| states[row].take()).unwrap_or_default();
        let (initial, initial_synaptic, initial_spike) = (state(Plane::Membrane), state(Plane::Synaptic), state(Plane::Spikes));
        let mut coeff = |name: Coefficient| layout.coefficient_row(name).and_then(|row| coeffs[row].take()).unwrap_or_default();
        let out = LifGradientsMut {
            input,
            initial,
            beta: coeff(Coefficient::Beta),
            theta: coeff(Coefficient::Threshold),
            initial_synaptic,
            alpha: coeff(Coefficient::Alpha),
            initial_spike,
            recurrent: coeff(Coefficient::RecurrentWeight),
        };
        lif::lif_backward_columns(&problem, planes, grad_spikes, grad_membrane, grad_synaptic, range, out);
    });
    (grad_input, grad_coeffs)
}

/// Plane `row` of a stacked `[planes, len]` buffer; empty for a plane the kind does not have.
fn output_plane(values: &[f32], row: Option<usize>, len: usize) -> &[f32] {
    row.map_or(&[], |row| &values[row * len..(row + 1) * len])
}

/// `rows` (a block's pieces of `[planes · steps, N]`) as one list of `steps` pieces per plane.
fn split_rows(rows: Vec<&mut [f32]>, steps: usize) -> Vec<Vec<&mut [f32]>> {
    let mut rows = rows.into_iter();
    let planes = rows.len() / steps;
    (0..planes).map(|_| rows.by_ref().take(steps).collect()).collect()
}

/// The Alpha body's forward, on gathered blocks.
fn gathered_forward(p: &StackedProblem) -> Vec<f32> {
    let neurons = num_neurons(p);
    if neurons <= BLOCK {
        return neuron::forward(p);
    }
    let mut out = vec![0.0; p.kind.outputs() * p.num_steps * neurons];
    blocks(neurons).into_par_iter().zip(column_blocks(&mut out, neurons)).for_each(|(range, mut pieces)| {
        let block = BlockProblem::new(p, neurons, &range);
        scatter(&mut pieces, &neuron::forward(&block.problem(p)));
    });
    out
}

/// The Alpha body's backward, on gathered blocks.
fn gathered_backward(p: &StackedProblem, forward: &[f32], grad: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let neurons = num_neurons(p);
    if neurons <= BLOCK {
        return neuron::backward(p, forward, grad);
    }
    let mut grad_input = vec![0.0; (p.num_steps + p.kind.states()) * neurons];
    let mut grad_coeffs = vec![0.0; p.kind.coeff_rows() * neurons];
    let pieces = column_blocks(&mut grad_input, neurons).into_iter().zip(column_blocks(&mut grad_coeffs, neurons));
    blocks(neurons).into_par_iter().zip(pieces.collect::<Vec<_>>()).for_each(|(range, (mut input_pieces, mut coeff_pieces))| {
        let block = BlockProblem::new(p, neurons, &range);
        let (input, coeffs) = neuron::backward(&block.problem(p), &gather(forward, neurons, &range), &gather(grad, neurons, &range));
        scatter(&mut input_pieces, &input);
        scatter(&mut coeff_pieces, &coeffs);
    });
    (grad_input, grad_coeffs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neuron::{LifSpec, NeuronKind, ResetMode};
    use crate::reference::Storage;

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
