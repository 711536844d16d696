//! CPU reference of the fused `Alpha` neuron (snnTorch's dual-exponential LIF) and its
//! reverse-scan backward. Same layout and broadcasting as [`super::lif`]; the equations are in
//! `shaders/alpha_forward.wgsl`.

use super::Storage;
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

struct Coefficients {
    alpha: f32,
    beta: f32,
    theta: f32,
    tau: f32,
}

impl AlphaProblem<'_> {
    fn coefficients(&self, n: usize) -> Coefficients {
        let alpha = self.alpha[n % self.alpha.len()].clamp(0.0, 1.0);
        let beta = self.beta[n % self.beta.len()].clamp(0.0, 1.0);
        Coefficients { alpha, beta, theta: self.theta[n % self.theta.len()], tau: alpha_tau(alpha, beta) }
    }

    fn quantize(&self, value: f32) -> f32 {
        self.spec.state_quant.map_or(value, |q| q.apply(value))
    }
}

/// Runs the fused forward pass.
pub fn alpha_forward(p: &AlphaProblem) -> AlphaOutputs {
    let (steps, neurons) = (p.num_steps, p.num_neurons);
    let mut out = AlphaOutputs {
        spikes: vec![0.0; steps * neurons],
        membrane: vec![0.0; steps * neurons],
        excitatory: vec![0.0; steps * neurons],
        inhibitory: vec![0.0; steps * neurons],
    };
    for n in 0..neurons {
        let k = p.coefficients(n);
        let (mut mem, mut exc, mut inh) = (p.initial_membrane[n], p.initial_excitatory[n], p.initial_inhibitory[n]);
        for t in 0..steps {
            let i = t * neurons + n;
            let reset = step_indicator(mem, k.theta);
            let x = p.input[i];
            let exc_base = k.alpha * exc + x;
            let inh_base = k.beta * inh - x;
            let mem_base = k.tau * (exc_base + inh_base);
            let (e, h, u) = match p.spec.reset {
                ResetMode::Subtract => (exc_base - reset * k.theta, inh_base - reset * inh_base, mem_base + reset * inh),
                ResetMode::Zero | ResetMode::ZeroAll => (exc_base - reset * exc_base, inh_base - reset * inh_base, mem_base - reset * mem_base),
                ResetMode::None => (exc_base, inh_base, mem_base),
            };
            exc = p.quantize(e);
            inh = p.quantize(h);
            mem = p.quantize(u);
            out.spikes[i] = step_indicator(mem, k.theta);
            out.membrane[i] = p.storage.round(mem);
            out.excitatory[i] = p.storage.round(exc);
            out.inhibitory[i] = p.storage.round(inh);
        }
    }
    out
}

/// Runs the reverse-scan backward pass from the stored forward outputs. `grad` holds dL/dS,
/// dL/dU, dL/dE and dL/dH, `[T, N]` each.
pub fn alpha_backward(p: &AlphaProblem, forward: &AlphaOutputs, grad: [&[f32]; 4]) -> AlphaGradients {
    let (steps, neurons) = (p.num_steps, p.num_neurons);
    let [grad_spikes, grad_membrane, grad_excitatory, grad_inhibitory] = grad;
    let mut grads = AlphaGradients {
        input: vec![0.0; steps * neurons],
        initial_membrane: vec![0.0; neurons],
        initial_excitatory: vec![0.0; neurons],
        initial_inhibitory: vec![0.0; neurons],
        alpha: vec![0.0; neurons],
        beta: vec![0.0; neurons],
        theta: vec![0.0; neurons],
    };
    for n in 0..neurons {
        let k = p.coefficients(n);
        let previous = |plane: &[f32], initial: &[f32], t: usize| if t > 0 { plane[(t - 1) * neurons + n] } else { initial[n] };
        let (mut carry_exc, mut carry_inh) = (0.0f32, 0.0f32);
        let (mut g_alpha, mut g_beta, mut g_theta, mut g_tau) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for t in (0..steps).rev() {
            let i = t * neurons + n;
            // The delayed reset is the previous spike, read exactly.
            let reset = if t > 0 { forward.spikes[i - neurons] } else { step_indicator(p.initial_membrane[n], k.theta) };
            let exc_previous = previous(&forward.excitatory, p.initial_excitatory, t);
            let inh_previous = previous(&forward.inhibitory, p.initial_inhibitory, t);
            let x = p.input[i];
            let exc_base = k.alpha * exc_previous + x;
            let inh_base = k.beta * inh_previous - x;

            // Straight-through quantizer: gradients pass it unchanged.
            let sg = p.spec.surrogate.grad(forward.membrane[i] - k.theta);
            let g_mem = grad_membrane[i] + grad_spikes[i] * sg;
            g_theta -= grad_spikes[i] * sg;
            let g_exc = grad_excitatory[i] + carry_exc;
            let g_inh = grad_inhibitory[i] + carry_inh;
            let keep = if matches!(p.spec.reset, ResetMode::Zero | ResetMode::ZeroAll) { 1.0 - reset } else { 1.0 };
            let g_exc_base = keep * (g_exc + k.tau * g_mem);
            let mut g_inh_base = keep * (g_inh + k.tau * g_mem);
            g_tau += keep * g_mem * (exc_base + inh_base);
            let mut g_inh_previous = 0.0;
            if p.spec.reset == ResetMode::Subtract {
                // U = U' + R·H[t-1] feeds the previous inhibitory current back.
                g_inh_base = (1.0 - reset) * g_inh + k.tau * g_mem;
                g_theta -= reset * g_exc;
                g_inh_previous = reset * g_mem;
            }
            grads.input[i] = p.storage.round(g_exc_base - g_inh_base);
            g_alpha += g_exc_base * exc_previous;
            g_beta += g_inh_base * inh_previous;
            carry_exc = k.alpha * g_exc_base;
            carry_inh = k.beta * g_inh_base + g_inh_previous;
        }
        grads.initial_excitatory[n] = p.storage.round(carry_exc);
        grads.initial_inhibitory[n] = p.storage.round(carry_inh);
        let (tau_alpha, tau_beta) = alpha_tau_grad(k.alpha, k.beta);
        // torch's clamp passes the gradient where 0 <= value <= 1.
        let alpha_raw = p.alpha[n % p.alpha.len()];
        let beta_raw = p.beta[n % p.beta.len()];
        grads.alpha[n] = if (0.0..=1.0).contains(&alpha_raw) { g_alpha + g_tau * tau_alpha } else { 0.0 };
        grads.beta[n] = if (0.0..=1.0).contains(&beta_raw) { g_beta + g_tau * tau_beta } else { 0.0 };
        grads.theta[n] = g_theta;
    }
    grads
}
