//! CPU reference of the fused multi-step LIF forward and its reverse-scan backward.
//!
//! Layout: time-major, `input[t * num_neurons + n]`. β and θ each have length 1 or a period of
//! the neurons, and neuron `n` uses index `n % len`, which is how a per-feature parameter
//! broadcasts over a `[batch, features]` layer.

use super::Storage;
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

/// Runs the fused forward pass.
/// The membrane after snnTorch's `state_quant`, when the spec asks for it.
fn quantize(p: &LifProblem, value: f32) -> f32 {
    match p.spec.state_quant {
        Some(quant) => quant.apply(value),
        None => value,
    }
}

pub fn lif_forward(p: &LifProblem) -> LifOutputs {
    let (steps, neurons) = (p.num_steps, p.num_neurons);
    let mut spikes = vec![0.0; steps * neurons];
    let mut membrane = vec![0.0; steps * neurons];
    let mut synaptic = vec![0.0; if p.synaptic.is_some() { steps * neurons } else { 0 }];
    for n in 0..neurons {
        let beta = p.beta[n % p.beta.len()].clamp(0.0, 1.0);
        let theta = p.theta[n % p.theta.len()];
        // The state stays in f32 across steps; only stores are rounded.
        let mut mem = p.initial[n];
        let (alpha, mut syn) = match p.synaptic {
            Some(s) => (s.alpha[n % s.alpha.len()].clamp(0.0, 1.0), s.initial[n]),
            None => (0.0, 0.0),
        };
        let (recurrent_weight, mut previous_spike) = match p.recurrent {
            Some(r) => (r.weight[n % r.weight.len()], r.initial_spike[n]),
            None => (0.0, 0.0),
        };
        for t in 0..steps {
            let i = t * neurons + n;
            let reset = step_indicator(mem, theta);
            let mut drive = p.input[i];
            if p.recurrent.is_some() {
                drive += recurrent_weight * previous_spike;
            }
            if p.synaptic.is_some() {
                syn = alpha * syn + drive;
                drive = syn;
                // snnTorch quantizes the current after the membrane has integrated it.
                syn = quantize(p, syn);
                synaptic[i] = p.storage.round(syn);
            }
            let v = quantize(p, integrate(p.spec.reset, beta, theta, mem, drive, reset));
            let spike = step_indicator(v, theta);
            mem = if p.spec.reset_delay {
                v
            } else {
                match p.spec.reset {
                    ResetMode::Subtract => v - (spike - reset) * theta,
                    ResetMode::Zero | ResetMode::ZeroAll => v - (spike - reset) * v,
                    ResetMode::None => v,
                }
            };
            previous_spike = spike;
            spikes[i] = spike;
            membrane[i] = p.storage.round(mem);
        }
    }
    LifOutputs { spikes, membrane, synaptic }
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
    let mut grads = LifGradients {
        input: vec![0.0; steps * neurons],
        initial: vec![0.0; neurons],
        beta: vec![0.0; neurons],
        theta: vec![0.0; neurons],
        initial_synaptic: vec![0.0; if synaptic { neurons } else { 0 }],
        alpha: vec![0.0; if synaptic { neurons } else { 0 }],
        initial_spike: vec![0.0; if p.recurrent.is_some() { neurons } else { 0 }],
        recurrent: vec![0.0; if p.recurrent.is_some() { neurons } else { 0 }],
    };
    let immediate_reset = p.spec.backward_needs_input();
    for n in 0..neurons {
        let beta_raw = p.beta[n % p.beta.len()];
        let beta = beta_raw.clamp(0.0, 1.0);
        let theta = p.theta[n % p.theta.len()];
        let surrogate = p.spec.surrogate;
        let (mut carry, mut g_beta, mut g_theta) = (0.0f32, 0.0f32, 0.0f32);
        let alpha_raw = p.synaptic.map_or(0.0, |s| s.alpha[n % s.alpha.len()]);
        let alpha = alpha_raw.clamp(0.0, 1.0);
        let (mut carry_syn, mut g_alpha) = (0.0f32, 0.0f32);
        let recurrent_weight = p.recurrent.map_or(0.0, |r| r.weight[n % r.weight.len()]);
        let previous_spike = |t: usize| match p.recurrent {
            Some(r) if t == 0 => r.initial_spike[n],
            _ if t > 0 => forward.spikes[(t - 1) * neurons + n],
            _ => 0.0,
        };
        let previous_current = |t: usize| match p.synaptic {
            Some(s) if t == 0 => s.initial[n],
            _ if t > 0 => forward.synaptic[(t - 1) * neurons + n],
            _ => 0.0,
        };
        // dL/dS[t] flowing back from step t+1's recurrent input.
        let (mut carry_spike, mut g_recurrent) = (0.0f32, 0.0f32);
        for t in (0..steps).rev() {
            let i = t * neurons + n;
            let previous = if t > 0 { forward.membrane[i - neurons] } else { p.initial[n] };
            // A delayed reset is exactly the previous spike (a rounded U[t-1] could land on the
            // other side of θ).
            let reset = if p.spec.reset_delay && t > 0 { forward.spikes[i - neurons] } else { step_indicator(previous, theta) };
            let spike = forward.spikes[i];
            let v = if immediate_reset {
                let mut drive = p.input[i] + if p.recurrent.is_some() { recurrent_weight * previous_spike(t) } else { 0.0 };
                if synaptic {
                    // The current before its quantization, rebuilt from the stored I[t-1].
                    drive += alpha * previous_current(t);
                }
                // Straight-through: quantizing only moves where the surrogate is evaluated.
                quantize(p, integrate(p.spec.reset, beta, theta, previous, drive, reset))
            } else {
                forward.membrane[i]
            };
            let sg = surrogate.grad(v - theta);
            let g_u = grad_membrane[i] + carry;
            let g_s = grad_spikes[i] + carry_spike;
            let g_v = if !immediate_reset {
                g_theta -= g_s * sg;
                g_u + g_s * sg
            } else if p.spec.reset == ResetMode::Subtract {
                // U = V − (S − R)·θ with S = H(V − θ).
                g_theta += g_u * (reset - spike + theta * sg) - g_s * sg;
                g_u * (1.0 - theta * sg) + g_s * sg
            } else {
                // U = V·(1 − S + R).
                g_theta += g_u * v * sg - g_s * sg;
                g_u * ((1.0 - spike + reset) - v * sg) + g_s * sg
            };
            // The drive (X, or I) enters V scaled by 1 − R in the zero-all mode.
            let g_drive = if p.spec.reset == ResetMode::ZeroAll { g_v * (1.0 - reset) } else { g_v };
            if p.synaptic.is_some() {
                // I[t] feeds U[t] and I[t+1].
                let g_syn = g_drive + grad_synaptic[i] + carry_syn;
                g_alpha += g_syn * previous_current(t);
                carry_syn = g_syn * alpha;
                grads.input[i] = p.storage.round(g_syn);
                if p.recurrent.is_some() {
                    g_recurrent += g_syn * previous_spike(t);
                    carry_spike = g_syn * recurrent_weight;
                }
            } else {
                grads.input[i] = p.storage.round(g_drive);
                if p.recurrent.is_some() {
                    g_recurrent += g_drive * previous_spike(t);
                    carry_spike = g_drive * recurrent_weight;
                }
            }
            match p.spec.reset {
                ResetMode::Subtract => {
                    g_beta += g_v * previous;
                    g_theta -= reset * g_v;
                    carry = g_v * beta;
                }
                ResetMode::Zero | ResetMode::ZeroAll => {
                    g_beta += g_v * (1.0 - reset) * previous;
                    carry = g_v * beta * (1.0 - reset);
                }
                ResetMode::None => {
                    g_beta += g_v * previous;
                    carry = g_v * beta;
                }
            }
        }
        grads.initial[n] = p.storage.round(carry);
        if synaptic {
            grads.initial_synaptic[n] = p.storage.round(carry_syn);
            grads.alpha[n] = if (0.0..=1.0).contains(&alpha_raw) { g_alpha } else { 0.0 };
        }
        if p.recurrent.is_some() {
            grads.initial_spike[n] = p.storage.round(carry_spike);
            grads.recurrent[n] = g_recurrent;
        }
        // torch's clamp passes the gradient where min <= β <= max.
        grads.beta[n] = if (0.0..=1.0).contains(&beta_raw) { g_beta } else { 0.0 };
        grads.theta[n] = g_theta;
    }
    grads
}
