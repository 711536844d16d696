//! CPU reference of the fused multi-step LIF forward and its reverse-scan backward.
//!
//! Layout: time-major, `input[t * num_neurons + n]`. β and θ each have length 1 or a period of
//! the neurons, and neuron `n` uses index `n % len`, which is how a per-feature parameter
//! broadcasts over a `[batch, features]` layer. Both passes run a range of neurons
//! time-outer (the CPU path splits a layer into ranges over its cores); the backward is in
//! `backward.rs`.

use std::ops::Range;

use super::{Storage, clamped, per_neuron};
use crate::neuron::{LifSpec, ResetMode};

/// The inputs of one fused LIF call, as f32 values (already rounded to the storage dtype).
#[derive(Debug, Clone)]
pub struct LifProblem<'a> {
    pub spec: LifSpec,
    pub storage: Storage,
    pub num_steps: usize,
    pub num_neurons: usize,
    /// `[T, N]` input current.
    pub input: &'a [f32],
    /// `[N]` membrane before the first step.
    pub initial: &'a [f32],
    /// `[L]` decay rates β (clamped to [0, 1] when used).
    pub beta: &'a [f32],
    /// `[L]` thresholds θ.
    pub theta: &'a [f32],
    /// snnTorch `Synaptic`: the synaptic current's decay and starting value.
    pub synaptic: Option<SynapticState<'a>>,
    /// snnTorch `RLeaky`/`RSynaptic` (one-to-one): `V·S[t-1]` joins the input.
    pub recurrent: Option<RecurrentState<'a>>,
}

/// One-to-one recurrence: the previous spike, weighted by V, is added to the input.
#[derive(Debug, Clone, Copy)]
pub struct RecurrentState<'a> {
    /// `[L]` recurrent weights V.
    pub weight: &'a [f32],
    /// `[N]` spike before the first step.
    pub initial_spike: &'a [f32],
}

/// The synaptic current of snnTorch's `Synaptic` neuron: `I[t] = α·I[t-1] + X[t]` drives the
/// membrane in place of X.
#[derive(Debug, Clone, Copy)]
pub struct SynapticState<'a> {
    /// `[L]` decay rates α (clamped to [0, 1] when used).
    pub alpha: &'a [f32],
    /// `[N]` current before the first step.
    pub initial: &'a [f32],
}

/// Forward outputs, `[T, N]` each, rounded to the storage dtype.
#[derive(Debug, Clone, PartialEq)]
pub struct LifOutputs {
    pub spikes: Vec<f32>,
    pub membrane: Vec<f32>,
    /// Synaptic currents (empty for LIF).
    pub synaptic: Vec<f32>,
}

#[inline]
fn step_indicator(value: f32, threshold: f32) -> f32 {
    // Strict `>` as in snnTorch; NaN compares false, so a NaN membrane never spikes.
    if value > threshold { 1.0 } else { 0.0 }
}

/// Membrane before any same-step reset: `β·U[t-1] + X[t]` with the delayed reset applied.
#[inline]
fn integrate(reset_mode: ResetMode, beta: f32, theta: f32, previous: f32, input: f32, reset: f32) -> f32 {
    match reset_mode {
        ResetMode::Subtract => beta * previous + input - reset * theta,
        ResetMode::Zero => beta * (1.0 - reset) * previous + input,
        ResetMode::None => beta * previous + input,
        ResetMode::ZeroAll => (1.0 - reset) * (beta * previous + input),
    }
}
/// The membrane after snnTorch's `state_quant`, when the spec asks for it.
#[inline]
fn quantize(p: &LifProblem, value: f32) -> f32 {
    match p.spec.state_quant {
        Some(quant) => quant.apply(value),
        None => value,
    }
}

/// One call's `[T, N]` output planes restricted to a range of neurons: for each plane, one
/// piece per time step holding that step's values of the range (the synaptic plane empty for
/// LIF). Disjoint ranges can be written by different threads.
pub struct LifRowsMut<'o> {
    pub spikes: Vec<&'o mut [f32]>,
    pub membrane: Vec<&'o mut [f32]>,
    pub synaptic: Vec<&'o mut [f32]>,
}

/// Forward outputs read by the backward, or their gradients, `[T, N]` each (synaptic empty for
/// LIF).
#[derive(Debug, Clone, Copy)]
pub struct LifPlanes<'a> {
    pub spikes: &'a [f32],
    pub membrane: &'a [f32],
    pub synaptic: &'a [f32],
}

impl LifOutputs {
    fn planes(&self) -> LifPlanes<'_> {
        LifPlanes { spikes: &self.spikes, membrane: &self.membrane, synaptic: &self.synaptic }
    }
}

/// Runs the fused forward pass.
pub fn lif_forward(p: &LifProblem) -> LifOutputs {
    let (steps, neurons) = (p.num_steps, p.num_neurons);
    let mut out = LifOutputs {
        spikes: vec![0.0; steps * neurons],
        membrane: vec![0.0; steps * neurons],
        synaptic: vec![0.0; if p.synaptic.is_some() { steps * neurons } else { 0 }],
    };
    let rows = LifRowsMut {
        spikes: out.spikes.chunks_exact_mut(neurons).collect(),
        membrane: out.membrane.chunks_exact_mut(neurons).collect(),
        synaptic: out.synaptic.chunks_exact_mut(neurons).collect(),
    };
    lif_forward_columns(p, 0..neurons, rows);
    out
}

/// The loop-invariant choices of a call as compile-time constants of its inner loop, so that
/// each combination compiles to a loop without branches (vectorized where it is plain): the
/// reset mode (`RESET`, [`reset_code`]), whether the reset is delayed, and whether the call is
/// *plain* (f32 storage, no state quantization, no synaptic current, no recurrence). A
/// non-plain call takes those branches at run time, with the same arithmetic.
macro_rules! specialized {
    ($function:ident, $p:expr, ($($argument:expr),*)) => {
        match (reset_code($p.spec.reset), $p.spec.reset_delay, is_plain($p)) {
            (0, false, false) => $function::<0, false, false>($($argument),*),
            (0, false, true) => $function::<0, false, true>($($argument),*),
            (0, true, false) => $function::<0, true, false>($($argument),*),
            (0, true, true) => $function::<0, true, true>($($argument),*),
            (1, false, false) => $function::<1, false, false>($($argument),*),
            (1, false, true) => $function::<1, false, true>($($argument),*),
            (1, true, false) => $function::<1, true, false>($($argument),*),
            (1, true, true) => $function::<1, true, true>($($argument),*),
            (2, false, false) => $function::<2, false, false>($($argument),*),
            (2, false, true) => $function::<2, false, true>($($argument),*),
            (2, true, false) => $function::<2, true, false>($($argument),*),
            (2, true, true) => $function::<2, true, true>($($argument),*),
            (_, false, false) => $function::<3, false, false>($($argument),*),
            (_, false, true) => $function::<3, false, true>($($argument),*),
            (_, true, false) => $function::<3, true, false>($($argument),*),
            (_, true, true) => $function::<3, true, true>($($argument),*),
        }
    };
}

/// [`ResetMode`] as a const generic argument (and back, in [`reset_mode`]).
fn reset_code(mode: ResetMode) -> u8 {
    match mode {
        ResetMode::Subtract => 0,
        ResetMode::Zero => 1,
        ResetMode::None => 2,
        ResetMode::ZeroAll => 3,
    }
}

#[inline(always)]
const fn reset_mode(code: u8) -> ResetMode {
    match code {
        0 => ResetMode::Subtract,
        1 => ResetMode::Zero,
        2 => ResetMode::None,
        _ => ResetMode::ZeroAll,
    }
}

fn is_plain(p: &LifProblem) -> bool {
    p.storage == Storage::F32 && p.spec.state_quant.is_none() && p.synaptic.is_none() && p.recurrent.is_none()
}

/// A stored value: rounded to the storage dtype (nothing to round in a plain call).
#[inline(always)]
fn store<const PLAIN: bool>(p: &LifProblem, value: f32) -> f32 {
    if PLAIN { value } else { p.storage.round(value) }
}

/// [`quantize`] (no quantizer in a plain call).
#[inline(always)]
fn quantized<const PLAIN: bool>(p: &LifProblem, value: f32) -> f32 {
    if PLAIN { value } else { quantize(p, value) }
}

/// [`lif_forward`] for the neurons of `columns` only, written into `out`.
///
/// Neurons are independent: each runs the same f32 operations in the same order whichever
/// range it is computed in. The loop runs time-outer over the range, so the neurons' steps
/// overlap in the CPU's pipeline and its vector lanes (one neuron's step depends on its
/// previous step; a neuron-outer loop waits on that chain at every step) and each step reads
/// one contiguous row piece.
pub fn lif_forward_columns(p: &LifProblem, columns: Range<usize>, out: LifRowsMut) {
    specialized!(forward_columns, p, (p, columns, out))
}

fn forward_columns<const RESET: u8, const DELAY: bool, const PLAIN: bool>(p: &LifProblem, columns: Range<usize>, mut out: LifRowsMut) {
    let (steps, neurons, width) = (p.num_steps, p.num_neurons, columns.len());
    let reset_mode = reset_mode(RESET);
    let beta = clamped(per_neuron(p.beta, &columns));
    let theta = per_neuron(p.theta, &columns);
    let (beta, theta) = (&beta[..width], &theta[..width]);
    // The state stays in f32 across steps; only stores are rounded.
    let mut mem = p.initial[columns.clone()].to_vec();
    let synaptic = !PLAIN && p.synaptic.is_some();
    let recurrent = !PLAIN && p.recurrent.is_some();
    let (alpha, mut syn) = match p.synaptic {
        Some(s) => (clamped(per_neuron(s.alpha, &columns)), s.initial[columns.clone()].to_vec()),
        None => (vec![0.0; width], vec![0.0; width]),
    };
    let (recurrent_weight, mut previous_spike) = match p.recurrent {
        Some(r) => (per_neuron(r.weight, &columns), r.initial_spike[columns.clone()].to_vec()),
        None => (vec![0.0; width], vec![0.0; width]),
    };
    let (mem, alpha, syn, recurrent_weight, previous_spike) =
        (&mut mem[..width], &alpha[..width], &mut syn[..width], &recurrent_weight[..width], &mut previous_spike[..width]);
    let mut no_synaptic_row = [];
    for t in 0..steps {
        let input = &p.input[t * neurons..][columns.clone()];
        let spikes = &mut out.spikes[t][..width];
        let membrane = &mut out.membrane[t][..width];
        let synaptic_row: &mut [f32] = if synaptic { &mut out.synaptic[t][..width] } else { &mut no_synaptic_row };
        for j in 0..width {
            let reset = step_indicator(mem[j], theta[j]);
            let mut drive = input[j];
            if recurrent {
                drive += recurrent_weight[j] * previous_spike[j];
            }
            if synaptic {
                syn[j] = alpha[j] * syn[j] + drive;
                drive = syn[j];
                // snnTorch quantizes the current after the membrane has integrated it.
                syn[j] = quantize(p, syn[j]);
                synaptic_row[j] = p.storage.round(syn[j]);
            }
            let v = quantized::<PLAIN>(p, integrate(reset_mode, beta[j], theta[j], mem[j], drive, reset));
            let spike = step_indicator(v, theta[j]);
            mem[j] = if DELAY {
                v
            } else {
                match reset_mode {
                    ResetMode::Subtract => v - (spike - reset) * theta[j],
                    ResetMode::Zero | ResetMode::ZeroAll => v - (spike - reset) * v,
                    ResetMode::None => v,
                }
            };
            if recurrent {
                previous_spike[j] = spike;
            }
            spikes[j] = spike;
            membrane[j] = store::<PLAIN>(p, mem[j]);
        }
    }
}

mod backward;

pub use backward::{LifGradients, LifGradientsMut, lif_backward, lif_backward_columns};
