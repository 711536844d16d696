//! CPU reference of the fused `Alpha` neuron (snnTorch's dual-exponential LIF) and its
//! reverse-scan backward. Same layout and broadcasting as [`super::lif`]; the equations are in
//! `shaders/alpha_forward.wgsl`.

use std::ops::Range;

use super::{Storage, clamped, per_neuron};
use crate::neuron::{LifSpec, ResetMode};

/// The inputs of one fused `Alpha` call, as f32 values (already rounded to the storage dtype).
#[derive(Debug, Clone)]
pub struct AlphaProblem<'a> {
    /// Reset mode, surrogate and quantizer (the reset is always delayed).
    pub spec: LifSpec,
    pub storage: Storage,
    pub num_steps: usize,
    pub num_neurons: usize,
    /// `[T, N]` input current.
    pub input: &'a [f32],
    /// `[N]` each: membrane, excitatory and inhibitory current before the first step.
    pub initial_membrane: &'a [f32],
    pub initial_excitatory: &'a [f32],
    pub initial_inhibitory: &'a [f32],
    /// `[L]` excitatory decay α and inhibitory decay β (both clamped to [0, 1] when used).
    pub alpha: &'a [f32],
    pub beta: &'a [f32],
    /// `[L]` thresholds θ.
    pub theta: &'a [f32],
}

/// Forward outputs, `[T, N]` each, rounded to the storage dtype.
#[derive(Debug, Clone, PartialEq)]
pub struct AlphaOutputs {
    pub spikes: Vec<f32>,
    pub membrane: Vec<f32>,
    pub excitatory: Vec<f32>,
    pub inhibitory: Vec<f32>,
}

/// Gradients of the loss with respect to each input of [`alpha_forward`].
#[derive(Debug, Clone, PartialEq)]
pub struct AlphaGradients {
    /// `[T, N]`, rounded to the storage dtype.
    pub input: Vec<f32>,
    /// `[N]` each, rounded to the storage dtype. The initial membrane only sets the first
    /// (detached) reset, so its gradient is zero.
    pub initial_membrane: Vec<f32>,
    pub initial_excitatory: Vec<f32>,
    pub initial_inhibitory: Vec<f32>,
    /// `[N]` per-neuron contributions (f32; sum them per coefficient).
    pub alpha: Vec<f32>,
    pub beta: Vec<f32>,
    pub theta: Vec<f32>,
}

/// τ_α = ln α / (ln β − ln α) + 1.
pub fn alpha_tau(alpha: f32, beta: f32) -> f32 {
    let la = alpha.ln();
    la / (beta.ln() - la) + 1.0
}

/// (dτ_α/dα, dτ_α/dβ).
fn alpha_tau_grad(alpha: f32, beta: f32) -> (f32, f32) {
    let (la, lb) = (alpha.ln(), beta.ln());
    let d2 = (lb - la) * (lb - la);
    (lb / (alpha * d2), -la / (beta * d2))
}

#[inline]
fn step_indicator(value: f32, threshold: f32) -> f32 {
    if value > threshold { 1.0 } else { 0.0 }
}

impl AlphaProblem<'_> {
    fn quantize(&self, value: f32) -> f32 {
        self.spec.state_quant.map_or(value, |q| q.apply(value))
    }
}

/// The four `[T, N]` output planes restricted to a range of neurons, one piece per time step
/// each (see [`super::lif::LifRowsMut`]).
pub struct AlphaRowsMut<'o> {
    pub spikes: Vec<&'o mut [f32]>,
    pub membrane: Vec<&'o mut [f32]>,
    pub excitatory: Vec<&'o mut [f32]>,
    pub inhibitory: Vec<&'o mut [f32]>,
}

/// Forward outputs read by the backward, `[T, N]` each.
#[derive(Debug, Clone, Copy)]
pub struct AlphaPlanes<'a> {
    pub spikes: &'a [f32],
    pub membrane: &'a [f32],
    pub excitatory: &'a [f32],
    pub inhibitory: &'a [f32],
}

/// The backward's outputs restricted to a range of neurons: dL/dX one piece per time step, the
/// per-neuron rows one piece each.
pub struct AlphaGradientsMut<'o> {
    pub input: Vec<&'o mut [f32]>,
    pub initial_membrane: &'o mut [f32],
    pub initial_excitatory: &'o mut [f32],
    pub initial_inhibitory: &'o mut [f32],
    pub alpha: &'o mut [f32],
    pub beta: &'o mut [f32],
    pub theta: &'o mut [f32],
}

/// Runs the fused forward pass.
pub fn alpha_forward(p: &AlphaProblem) -> AlphaOutputs {
    let (steps, neurons) = (p.num_steps, p.num_neurons);
    let plane = || vec![0.0; steps * neurons];
    let mut out = AlphaOutputs { spikes: plane(), membrane: plane(), excitatory: plane(), inhibitory: plane() };
    let rows = AlphaRowsMut {
        spikes: out.spikes.chunks_exact_mut(neurons).collect(),
        membrane: out.membrane.chunks_exact_mut(neurons).collect(),
        excitatory: out.excitatory.chunks_exact_mut(neurons).collect(),
        inhibitory: out.inhibitory.chunks_exact_mut(neurons).collect(),
    };
    alpha_forward_columns(p, 0..neurons, rows);
    out
}

/// [`alpha_forward`] for the neurons of `columns` only, written into `out`: time-outer over
/// the range, each neuron with the same f32 operations in the same order as anywhere else.
pub fn alpha_forward_columns(p: &AlphaProblem, columns: Range<usize>, mut out: AlphaRowsMut) {
    let (steps, neurons, width) = (p.num_steps, p.num_neurons, columns.len());
    let alpha = clamped(per_neuron(p.alpha, &columns));
    let beta = clamped(per_neuron(p.beta, &columns));
    let theta = per_neuron(p.theta, &columns);
    let tau: Vec<f32> = alpha.iter().zip(&beta).map(|(&a, &b)| alpha_tau(a, b)).collect();
    let mut mem = p.initial_membrane[columns.clone()].to_vec();
    let mut exc = p.initial_excitatory[columns.clone()].to_vec();
    let mut inh = p.initial_inhibitory[columns.clone()].to_vec();
    for t in 0..steps {
        let input = &p.input[t * neurons..][columns.clone()];
        let (spikes, membrane) = (&mut out.spikes[t][..width], &mut out.membrane[t][..width]);
        let (excitatory, inhibitory) = (&mut out.excitatory[t][..width], &mut out.inhibitory[t][..width]);
        for j in 0..width {
            let reset = step_indicator(mem[j], theta[j]);
            let x = input[j];
            let exc_base = alpha[j] * exc[j] + x;
            let inh_base = beta[j] * inh[j] - x;
            let mem_base = tau[j] * (exc_base + inh_base);
            let (e, h, u) = match p.spec.reset {
                ResetMode::Subtract => (exc_base - reset * theta[j], inh_base - reset * inh_base, mem_base + reset * inh[j]),
                ResetMode::Zero | ResetMode::ZeroAll => (exc_base - reset * exc_base, inh_base - reset * inh_base, mem_base - reset * mem_base),
                ResetMode::None => (exc_base, inh_base, mem_base),
            };
            exc[j] = p.quantize(e);
            inh[j] = p.quantize(h);
            mem[j] = p.quantize(u);
            spikes[j] = step_indicator(mem[j], theta[j]);
            membrane[j] = p.storage.round(mem[j]);
            excitatory[j] = p.storage.round(exc[j]);
            inhibitory[j] = p.storage.round(inh[j]);
        }
    }
}

/// Runs the reverse-scan backward pass from the stored forward outputs. `grad` holds dL/dS,
/// dL/dU, dL/dE and dL/dH, `[T, N]` each.
pub fn alpha_backward(p: &AlphaProblem, forward: &AlphaOutputs, grad: [&[f32]; 4]) -> AlphaGradients {
    let (steps, neurons) = (p.num_steps, p.num_neurons);
    let row = || vec![0.0; neurons];
    let mut grads = AlphaGradients {
        input: vec![0.0; steps * neurons],
        initial_membrane: row(),
        initial_excitatory: row(),
        initial_inhibitory: row(),
        alpha: row(),
        beta: row(),
        theta: row(),
    };
    let planes =
        AlphaPlanes { spikes: &forward.spikes, membrane: &forward.membrane, excitatory: &forward.excitatory, inhibitory: &forward.inhibitory };
    let out = AlphaGradientsMut {
        input: grads.input.chunks_exact_mut(neurons).collect(),
        initial_membrane: &mut grads.initial_membrane,
        initial_excitatory: &mut grads.initial_excitatory,
        initial_inhibitory: &mut grads.initial_inhibitory,
        alpha: &mut grads.alpha,
        beta: &mut grads.beta,
        theta: &mut grads.theta,
    };
    alpha_backward_columns(p, planes, grad, 0..neurons, out);
    grads
}

/// [`alpha_backward`] for the neurons of `columns` only, written into `out`; `forward` and
/// `grad` are the whole `[T, N]` planes. Time-outer over the range.
pub fn alpha_backward_columns(p: &AlphaProblem, forward: AlphaPlanes, grad: [&[f32]; 4], columns: Range<usize>, out: AlphaGradientsMut) {
    let (steps, neurons, width) = (p.num_steps, p.num_neurons, columns.len());
    let [grad_spikes, grad_membrane, grad_excitatory, grad_inhibitory] = grad;
    let alpha = clamped(per_neuron(p.alpha, &columns));
    let beta = clamped(per_neuron(p.beta, &columns));
    let theta = per_neuron(p.theta, &columns);
    let tau: Vec<f32> = alpha.iter().zip(&beta).map(|(&a, &b)| alpha_tau(a, b)).collect();
    let initial_membrane = &p.initial_membrane[columns.clone()];
    let (initial_excitatory, initial_inhibitory) = (&p.initial_excitatory[columns.clone()], &p.initial_inhibitory[columns.clone()]);
    let state = || vec![0.0f32; width];
    let (mut carry_exc, mut carry_inh) = (state(), state());
    let (mut g_alpha, mut g_beta, mut g_theta, mut g_tau) = (state(), state(), state(), state());
    let mut out_input = out.input;
    for t in (0..steps).rev() {
        let row = t * neurons + columns.start;
        // Step 0 reads the starting states, later steps the stored step before.
        let before = |plane: &'_ [f32], j: usize| plane[row - neurons + j];
        let grad_input = &mut out_input[t][..width];
        for j in 0..width {
            let i = row + j;
            // The delayed reset is the previous spike, read exactly.
            let reset = if t > 0 { before(forward.spikes, j) } else { step_indicator(initial_membrane[j], theta[j]) };
            let exc_previous = if t > 0 { before(forward.excitatory, j) } else { initial_excitatory[j] };
            let inh_previous = if t > 0 { before(forward.inhibitory, j) } else { initial_inhibitory[j] };
            let x = p.input[i];
            let exc_base = alpha[j] * exc_previous + x;
            let inh_base = beta[j] * inh_previous - x;

            // Straight-through quantizer: gradients pass it unchanged.
            let sg = p.spec.surrogate.grad(forward.membrane[i] - theta[j]);
            let g_mem = grad_membrane[i] + grad_spikes[i] * sg;
            g_theta[j] -= grad_spikes[i] * sg;
            let g_exc = grad_excitatory[i] + carry_exc[j];
            let g_inh = grad_inhibitory[i] + carry_inh[j];
            let keep = if matches!(p.spec.reset, ResetMode::Zero | ResetMode::ZeroAll) { 1.0 - reset } else { 1.0 };
            let g_exc_base = keep * (g_exc + tau[j] * g_mem);
            let mut g_inh_base = keep * (g_inh + tau[j] * g_mem);
            g_tau[j] += keep * g_mem * (exc_base + inh_base);
            let mut g_inh_previous = 0.0;
            if p.spec.reset == ResetMode::Subtract {
                // U = U' + R·H[t-1] feeds the previous inhibitory current back.
                g_inh_base = (1.0 - reset) * g_inh + tau[j] * g_mem;
                g_theta[j] -= reset * g_exc;
                g_inh_previous = reset * g_mem;
            }
            grad_input[j] = p.storage.round(g_exc_base - g_inh_base);
            g_alpha[j] += g_exc_base * exc_previous;
            g_beta[j] += g_inh_base * inh_previous;
            carry_exc[j] = alpha[j] * g_exc_base;
            carry_inh[j] = beta[j] * g_inh_base + g_inh_previous;
        }
    }
    // torch's clamp passes the gradient where 0 <= value <= 1.
    let (alpha_raw, beta_raw) = (per_neuron(p.alpha, &columns), per_neuron(p.beta, &columns));
    for j in 0..width {
        out.initial_excitatory[j] = p.storage.round(carry_exc[j]);
        out.initial_inhibitory[j] = p.storage.round(carry_inh[j]);
        let (tau_alpha, tau_beta) = alpha_tau_grad(alpha[j], beta[j]);
        out.alpha[j] = if (0.0..=1.0).contains(&alpha_raw[j]) { g_alpha[j] + g_tau[j] * tau_alpha } else { 0.0 };
        out.beta[j] = if (0.0..=1.0).contains(&beta_raw[j]) { g_beta[j] + g_tau[j] * tau_beta } else { 0.0 };
        out.theta[j] = g_theta[j];
    }
}
