//! CPU reference of the fused multi-step LIF forward and its reverse-scan backward.
//!
//! Layout: time-major, `input[t * num_neurons + n]`. β and θ each have length 1 or a period of
//! the neurons, and neuron `n` uses index `n % len`, which is how a per-feature parameter
//! broadcasts over a `[batch, features]` layer.

use std::ops::Range;

use super::Storage;
use crate::neuron::{LifSpec, ResetMode, Surrogate};

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

/// Gradients of the loss with respect to each input of [`lif_forward`].
#[derive(Debug, Clone, PartialEq)]
pub struct LifGradients {
    /// `[T, N]`, rounded to the storage dtype.
    pub input: Vec<f32>,
    /// `[N]`, rounded to the storage dtype.
    pub initial: Vec<f32>,
    /// `[N]` per-neuron contributions to dL/dβ (f32; sum them per coefficient).
    pub beta: Vec<f32>,
    /// `[N]` per-neuron contributions to dL/dθ (f32).
    pub theta: Vec<f32>,
    /// Synaptic only (empty otherwise): dL/d(initial current) `[N]` and per-neuron dL/dα.
    pub initial_synaptic: Vec<f32>,
    pub alpha: Vec<f32>,
    /// Recurrent only (empty otherwise): dL/d(initial spike) `[N]` and per-neuron dL/dV.
    pub initial_spike: Vec<f32>,
    pub recurrent: Vec<f32>,
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

/// A per-neuron parameter of period `values.len()` as the neurons of `columns` read it
/// (neuron n uses `n % len`).
fn per_neuron(values: &[f32], columns: &Range<usize>) -> Vec<f32> {
    columns.clone().map(|n| values[n % values.len()]).collect()
}

/// β, α: the decays as used, clamped to [0, 1].
fn clamped(values: Vec<f32>) -> Vec<f32> {
    values.into_iter().map(|v| v.clamp(0.0, 1.0)).collect()
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

/// The backward's outputs restricted to a range of neurons: dL/dX as one piece per time step,
/// and one piece each of the per-neuron rows (empty where the kind has no such state or
/// coefficient).
pub struct LifGradientsMut<'o> {
    pub input: Vec<&'o mut [f32]>,
    pub initial: &'o mut [f32],
    pub beta: &'o mut [f32],
    pub theta: &'o mut [f32],
    pub initial_synaptic: &'o mut [f32],
    pub alpha: &'o mut [f32],
    pub initial_spike: &'o mut [f32],
    pub recurrent: &'o mut [f32],
}

/// Runs the reverse-scan backward pass from the stored forward outputs.
///
/// Spikes are read from `forward` (not recomputed from the rounded membrane, which can flip a
/// spike at a tie in f16); so is a delayed reset indicator (the previous spike), while an
/// immediate one is recomputed from the stored membrane.
///
/// `grad_synaptic` is dL/dI (ignored, may be empty, for LIF).
pub fn lif_backward(p: &LifProblem, forward: &LifOutputs, grad_spikes: &[f32], grad_membrane: &[f32], grad_synaptic: &[f32]) -> LifGradients {
    let (steps, neurons) = (p.num_steps, p.num_neurons);
    let synaptic = p.synaptic.is_some();
    let recurrent = p.recurrent.is_some();
    let per_neuron_row = |present: bool| vec![0.0; if present { neurons } else { 0 }];
    let mut grads = LifGradients {
        input: vec![0.0; steps * neurons],
        initial: vec![0.0; neurons],
        beta: vec![0.0; neurons],
        theta: vec![0.0; neurons],
        initial_synaptic: per_neuron_row(synaptic),
        alpha: per_neuron_row(synaptic),
        initial_spike: per_neuron_row(recurrent),
        recurrent: per_neuron_row(recurrent),
    };
    let out = LifGradientsMut {
        input: grads.input.chunks_exact_mut(neurons).collect(),
        initial: &mut grads.initial,
        beta: &mut grads.beta,
        theta: &mut grads.theta,
        initial_synaptic: &mut grads.initial_synaptic,
        alpha: &mut grads.alpha,
        initial_spike: &mut grads.initial_spike,
        recurrent: &mut grads.recurrent,
    };
    let grad = LifPlanes { spikes: grad_spikes, membrane: grad_membrane, synaptic: grad_synaptic };
    lif_backward_columns(p, forward.planes(), grad, 0..neurons, out);
    grads
}

/// [`lif_backward`] for the neurons of `columns` only, written into `out`; `forward` and
/// `grad` (dL/dS, dL/dU, dL/dI) are the whole `[T, N]` planes. Time-outer over the range, as
/// [`lif_forward_columns`]; each step first evaluates the surrogate for the whole row (it does
/// not depend on the gradients flowing back), then runs the reverse scan.
pub fn lif_backward_columns(p: &LifProblem, forward: LifPlanes, grad: LifPlanes, columns: Range<usize>, out: LifGradientsMut) {
    specialized!(backward_columns, p, (p, forward, grad, columns, out))
}

/// The row piece before `row` (step t − 1) of a `[T, N]` plane, or the starting values at t = 0.
fn step_before<'s>(plane: &'s [f32], initial: &'s [f32], t: usize, row: usize, neurons: usize) -> &'s [f32] {
    if t > 0 { &plane[row - neurons..][..initial.len()] } else { initial }
}

/// `out[j] = surrogate'(v[j] − θ[j])`, with the choice of surrogate outside the loop.
fn surrogate_row(surrogate: Surrogate, v: &[f32], theta: &[f32], out: &mut [f32]) {
    #[inline(always)]
    fn fill(surrogate: Surrogate, v: &[f32], theta: &[f32], out: &mut [f32]) {
        for ((out, v), theta) in out.iter_mut().zip(v).zip(theta) {
            *out = surrogate.grad(v - theta);
        }
    }
    match surrogate {
        Surrogate::Atan { .. } => fill(surrogate, v, theta, out),
        Surrogate::FastSigmoid { .. } => fill(surrogate, v, theta, out),
        Surrogate::Sigmoid { .. } => fill(surrogate, v, theta, out),
        Surrogate::StraightThrough => fill(surrogate, v, theta, out),
        Surrogate::SpikeRateEscape { .. } => fill(surrogate, v, theta, out),
        Surrogate::Sfs { .. } => fill(surrogate, v, theta, out),
    }
}

fn backward_columns<const RESET: u8, const DELAY: bool, const PLAIN: bool>(
    p: &LifProblem,
    forward: LifPlanes,
    grad: LifPlanes,
    columns: Range<usize>,
    out: LifGradientsMut,
) {
    let LifPlanes { spikes: grad_spikes, membrane: grad_membrane, synaptic: grad_synaptic } = grad;
    let (steps, neurons, width) = (p.num_steps, p.num_neurons, columns.len());
    let start = columns.start;
    let reset_mode = reset_mode(RESET);
    let synaptic = !PLAIN && p.synaptic.is_some();
    let recurrent = !PLAIN && p.recurrent.is_some();
    let immediate_reset = !DELAY && reset_mode != ResetMode::None;
    let beta_raw = per_neuron(p.beta, &columns);
    let beta = clamped(beta_raw.clone());
    let theta = per_neuron(p.theta, &columns);
    let alpha_raw = p.synaptic.map_or_else(|| vec![0.0; width], |s| per_neuron(s.alpha, &columns));
    let alpha = clamped(alpha_raw.clone());
    let recurrent_weight = p.recurrent.map_or_else(|| vec![0.0; width], |r| per_neuron(r.weight, &columns));
    let (beta, theta, alpha, recurrent_weight) = (&beta[..width], &theta[..width], &alpha[..width], &recurrent_weight[..width]);
    let initial = &p.initial[columns.clone()];
    let zeros = vec![0.0; width];
    // The spike and current entering step 0 (zero for kinds without them).
    let initial_spike = p.recurrent.map_or(&zeros[..], |r| &r.initial_spike[columns.clone()]);
    let initial_current = p.synaptic.map_or(&zeros[..], |s| &s.initial[columns.clone()]);
    let state = || vec![0.0f32; width];
    let (mut carry, mut g_beta, mut g_theta) = (state(), state(), state());
    let (mut carry_syn, mut g_alpha) = (state(), state());
    // dL/dS[t] flowing back from step t+1's recurrent input.
    let (mut carry_spike, mut g_recurrent) = (state(), state());
    let (carry, g_beta, g_theta) = (&mut carry[..width], &mut g_beta[..width], &mut g_theta[..width]);
    // Per step: the pre-reset membrane V[t] and the surrogate at it.
    let (mut v_row, mut sg_row) = (state(), state());
    let mut out_input = out.input;
    for t in (0..steps).rev() {
        let row = t * neurons + start;
        let here = row..row + width;
        // Step 0 reads the starting states, later steps the stored step before.
        let previous = step_before(forward.membrane, initial, t, row, neurons);
        let previous_spike = step_before(forward.spikes, initial_spike, t, row, neurons);
        let previous_current = if synaptic { step_before(forward.synaptic, initial_current, t, row, neurons) } else { initial_current };
        let (spikes, membrane) = (&forward.spikes[here.clone()], &forward.membrane[here.clone()]);
        // X is read only to rebuild V for an immediate reset (otherwise it may be a stand-in).
        let input = if immediate_reset { &p.input[here.clone()] } else { &[] };
        let (grad_spikes, grad_membrane) = (&grad_spikes[here.clone()], &grad_membrane[here.clone()]);
        // A delayed reset is exactly the previous spike (a rounded U[t-1] could land on the
        // other side of θ); an immediate one is recomputed from the stored membrane.
        let reset = |j: usize| if DELAY && t > 0 { previous_spike[j] } else { step_indicator(previous[j], theta[j]) };
        for j in 0..width {
            v_row[j] = if immediate_reset {
                let mut drive = input[j] + if recurrent { recurrent_weight[j] * previous_spike[j] } else { 0.0 };
                if synaptic {
                    // The current before its quantization, rebuilt from the stored I[t-1].
                    drive += alpha[j] * previous_current[j];
                }
                // Straight-through: quantizing only moves where the surrogate is evaluated.
                quantized::<PLAIN>(p, integrate(reset_mode, beta[j], theta[j], previous[j], drive, reset(j)))
            } else {
                membrane[j]
            };
        }
        surrogate_row(p.spec.surrogate, &v_row, theta, &mut sg_row);
        let grad_input = &mut out_input[t][..width];
        for j in 0..width {
            let (reset, spike, v, sg) = (reset(j), spikes[j], v_row[j], sg_row[j]);
            let g_u = grad_membrane[j] + carry[j];
            let g_s = grad_spikes[j] + carry_spike[j];
            let g_v = if !immediate_reset {
                g_theta[j] -= g_s * sg;
                g_u + g_s * sg
            } else if reset_mode == ResetMode::Subtract {
                // U = V − (S − R)·θ with S = H(V − θ).
                g_theta[j] += g_u * (reset - spike + theta[j] * sg) - g_s * sg;
                g_u * (1.0 - theta[j] * sg) + g_s * sg
            } else {
                // U = V·(1 − S + R).
                g_theta[j] += g_u * v * sg - g_s * sg;
                g_u * ((1.0 - spike + reset) - v * sg) + g_s * sg
            };
            // The drive (X, or I) enters V scaled by 1 − R in the zero-all mode.
            let g_drive = if reset_mode == ResetMode::ZeroAll { g_v * (1.0 - reset) } else { g_v };
            // I[t] feeds U[t] and I[t+1]; without a synaptic current the drive is X itself.
            let g_x = if synaptic {
                let g_syn = g_drive + grad_synaptic[row + j] + carry_syn[j];
                g_alpha[j] += g_syn * previous_current[j];
                carry_syn[j] = g_syn * alpha[j];
                g_syn
            } else {
                g_drive
            };
            grad_input[j] = store::<PLAIN>(p, g_x);
            if recurrent {
                g_recurrent[j] += g_x * previous_spike[j];
                carry_spike[j] = g_x * recurrent_weight[j];
            }
            let previous = previous[j];
            match reset_mode {
                ResetMode::Subtract => {
                    g_beta[j] += g_v * previous;
                    g_theta[j] -= reset * g_v;
                    carry[j] = g_v * beta[j];
                }
                ResetMode::Zero | ResetMode::ZeroAll => {
                    g_beta[j] += g_v * (1.0 - reset) * previous;
                    carry[j] = g_v * beta[j] * (1.0 - reset);
                }
                ResetMode::None => {
                    g_beta[j] += g_v * previous;
                    carry[j] = g_v * beta[j];
                }
            }
        }
    }
    // torch's clamp passes the gradient where min <= β <= max.
    let inside = |raw: f32, g: f32| if (0.0..=1.0).contains(&raw) { g } else { 0.0 };
    for j in 0..width {
        out.initial[j] = p.storage.round(carry[j]);
        out.beta[j] = inside(beta_raw[j], g_beta[j]);
        out.theta[j] = g_theta[j];
        if p.synaptic.is_some() {
            out.initial_synaptic[j] = p.storage.round(carry_syn[j]);
            out.alpha[j] = inside(alpha_raw[j], g_alpha[j]);
        }
        if p.recurrent.is_some() {
            out.initial_spike[j] = p.storage.round(carry_spike[j]);
            out.recurrent[j] = g_recurrent[j];
        }
    }
}
