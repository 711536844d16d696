//! The reverse-scan backward of the fused LIF reference, from the stored forward outputs
//! (see the parent module for the layout and the specialization of the inner loops).

use std::ops::Range;

use super::{LifOutputs, LifPlanes, LifProblem, integrate, is_plain, quantized, reset_code, reset_mode, step_indicator, store};
use crate::neuron::{ResetMode, Surrogate};
use crate::reference::{clamped, per_neuron};

/// Gradients of the loss with respect to each input of [`lif_forward`](super::lif_forward).
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
/// [`lif_forward_columns`](super::lif_forward_columns); each step first evaluates the surrogate for the whole row (it does
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
