//! NIR's continuous-time neurons on our fused `Leaky` and `Synaptic` kernels.
//!
//! Forward Euler at step `dt` (what snnTorch's exporter and importer assume) turns
//! `τ·dv/dt = (v_leak − v) + R·I` into `v[t] = β·v[t−1] + (R·dt/τ)·I[t] + (dt/τ)·v_leak` with
//! `β = 1 − dt/τ`. Our kernels integrate `U[t] = β·U[t−1] + X[t]` and reset to zero, so the
//! node runs them on the shifted membrane `U = v − v_reset`: the input becomes
//! `X = (R·dt/τ)·I + (dt/τ)·(v_leak − v_reset)`, the threshold `θ − v_reset`, the initial
//! membrane `−v_reset` (so `v` starts at 0; at `v_leak` under [`Discretisation::Norse`]), and `v_reset` is added back to the membrane it
//! reports. A reset to zero then lands `v` exactly on `v_reset`, and the spike (`v > θ`, then
//! `v ← v_reset` in the same step) is NIR's.
//!
//! `CubaLIF`: `τ_syn·dI/dt = −I + w_in·S`, then the membrane as `LIF` driven by the new
//! current: `I[t] = α·I[t−1] + (w_in·dt/τ_syn)·S[t]` with `α = 1 − dt/τ_syn` (snnTorch's
//! `Synaptic` order). The kernel's current is `I' = (R·dt/τ_mem)·I + c` with
//! `c = (dt/τ_mem)·(v_leak − v_reset)`, started at `c`, so `U[t] = β·U[t−1] + I'[t]` is the
//! shifted membrane; the reported current is `(I' − c)·τ_mem/(R·dt)`. Under
//! [`Discretisation::Norse`] the current steps by `w_in·S` (Norse's `LIFCell`: `i ← i + x`).
//!
//! [`Discretisation::Exponential`] replaces every `dt/τ` above by `1 − exp(−dt/τ)` (the exact
//! decay over a step, the input held through it), so β = exp(−dt/τ) and any τ > 0 is accepted.
//!
//! `IF` and `I` integrate `dv/dt = R·I`: `β = 1`, input gain `R·dt`. `LI`, `I` and `CubaLI`
//! never spike: they emit their membrane.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use super::super::{NirNode, NodeKind};
use super::node::constant;
use super::{Discretisation, field, refused};
use crate::error::Result;
use crate::neuron::ResetMode;
use crate::ops::neuron::NeuronState;
use crate::snn::{Leaky, LeakyConfig, Synaptic, SynapticConfig};

/// What a neuron node sends along its outgoing edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emits {
    /// Its spikes (`LIF`, `IF`, `CubaLIF`).
    Spikes,
    /// Its membrane potential (`LI`, `I`, `CubaLI`).
    Membrane,
}

/// A neuron node: the fused layer and the constants that map NIR's variables onto it.
#[derive(Module, Debug)]
pub struct NeuronNode {
    /// `LIF`, `IF`, `LI`, `I`.
    pub leaky: Option<Leaky>,
    /// `CubaLIF`, `CubaLI`.
    pub synaptic: Option<Synaptic>,
    /// Input gain per neuron.
    pub gain: Tensor<1>,
    /// Constant input per neuron and step.
    pub drive: Tensor<1>,
    /// The reset potential (the shift between `v` and the kernel's membrane).
    pub v_reset: Tensor<1>,
    /// `CubaLIF`/`CubaLI`: the kernel's current is `current_scale · I + current_offset`.
    pub current_scale: Tensor<1>,
    /// See `current_scale`.
    pub current_offset: Tensor<1>,
    /// The kernel's membrane at the first step (`v(0) − v_reset`).
    pub initial: Tensor<1>,
    /// What the node emits.
    #[module(skip)]
    pub emits: Emits,
}

/// A neuron node's state between steps (the kernel's variables).
#[derive(Debug, Clone)]
pub(crate) struct Carry {
    membrane: Tensor<3>,
    synaptic: Option<Tensor<3>>,
}

/// Everything a neuron node computed over a run, in NIR's variables.
#[derive(Debug, Clone)]
pub struct NeuronTrace {
    /// Spikes `[T, batch, neurons]` (`None` for the nodes that never spike).
    pub spikes: Option<Tensor<3>>,
    /// Membrane potential `v` after each step's reset.
    pub membrane: Tensor<3>,
    /// Synaptic current `I` (`CubaLIF`, `CubaLI`).
    pub synaptic: Option<Tensor<3>>,
}

/// Per-neuron coefficients in f64 while they are derived.
struct Coefficients {
    beta: Vec<f32>,
    alpha: Option<Vec<f32>>,
    threshold: Vec<f32>,
    gain: Vec<f32>,
    drive: Vec<f32>,
    v_reset: Vec<f32>,
    current_scale: Vec<f32>,
    current_offset: Vec<f32>,
    /// The kernel's membrane at rest: `v(0) − v_reset`.
    initial: Vec<f32>,
}

/// The fraction of the way to equilibrium one step covers, per τ: `dt/τ` under forward Euler
/// (τ must be at least dt), `1 − exp(−dt/τ)` under the exponential rule.
fn step_fractions(node: &NirNode, name: &str, path: &str, count: usize, dt: f64, discretisation: Discretisation) -> Result<Vec<f64>> {
    field::per_element(node, name, path, count)?
        .into_iter()
        .map(|tau| {
            let tau = f64::from(tau);
            if !(tau.is_finite() && tau > 0.0) {
                Err(refused(path, format!("`{name}` of positive, finite time constants, found {tau}")))
            } else if discretisation == Discretisation::Exponential {
                Ok(-(-dt / tau).exp_m1())
            } else if dt > tau * (1.0 + 1e-6) {
                Err(refused(
                    path,
                    format!(
                        "`{name}` of at least dt = {dt} s (forward Euler's decay 1 − dt/τ would be negative), found {tau} s; import with a smaller dt"
                    ),
                ))
            } else {
                Ok((dt / tau).min(1.0))
            }
        })
        .collect()
}

fn finite(node: &NirNode, name: &str, path: &str, count: usize, default: Option<f32>) -> Result<Vec<f64>> {
    let values = match default {
        Some(default) => field::numbers_or(node, name, path, count, default)?,
        None => field::per_element(node, name, path, count)?,
    };
    if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
        return Err(refused(path, format!("finite `{name}` values, found {bad}")));
    }
    Ok(values.into_iter().map(f64::from).collect())
}

fn to_f32(values: impl IntoIterator<Item = f64>) -> Vec<f32> {
    values.into_iter().map(|v| v as f32).collect()
}

fn coefficients(node: &NirNode, path: &str, n: usize, dt: f64, discretisation: Discretisation) -> Result<Coefficients> {
    let kind = node.kind;
    let r = finite(node, "r", path, n, None)?;
    let spikes = matches!(kind, NodeKind::Lif | NodeKind::If | NodeKind::CubaLif);
    let v_reset = if spikes { finite(node, "v_reset", path, n, Some(0.0))? } else { vec![0.0; n] };
    let threshold = if spikes {
        let theta = finite(node, "v_threshold", path, n, None)?;
        if let Some(i) = (0..n).find(|&i| v_reset[i] > theta[i]) {
            return Err(refused(path, format!("v_reset ≤ v_threshold for every neuron; neuron {i} has {} > {}", v_reset[i], theta[i])));
        }
        to_f32((0..n).map(|i| theta[i] - v_reset[i]))
    } else {
        vec![f32::MAX; n]
    };
    let v_leak = if matches!(kind, NodeKind::If | NodeKind::I) { vec![0.0; n] } else { finite(node, "v_leak", path, n, None)? };
    let (membrane_fraction, beta): (Vec<f64>, Vec<f32>) = match kind {
        NodeKind::If | NodeKind::I => (vec![dt; n], vec![1.0; n]),
        NodeKind::CubaLif | NodeKind::CubaLi => {
            let a = step_fractions(node, "tau_mem", path, n, dt, discretisation)?;
            let beta = to_f32(a.iter().map(|a| 1.0 - a));
            (a, beta)
        }
        _ => {
            let a = step_fractions(node, "tau", path, n, dt, discretisation)?;
            let beta = to_f32(a.iter().map(|a| 1.0 - a));
            (a, beta)
        }
    };
    let v_start: Vec<f64> = match discretisation {
        Discretisation::ForwardEuler | Discretisation::Exponential => vec![0.0; n],
        Discretisation::Norse => v_leak.clone(),
    };
    let initial = to_f32((0..n).map(|i| v_start[i] - v_reset[i]));
    // For IF and I the "fraction" is dt itself (dv/dt = R·I has no τ) and there is no leak.
    let membrane_gain: Vec<f64> = (0..n).map(|i| r[i] * membrane_fraction[i]).collect();
    let constant_drive: Vec<f64> =
        (0..n).map(|i| if matches!(kind, NodeKind::If | NodeKind::I) { 0.0 } else { membrane_fraction[i] * (v_leak[i] - v_reset[i]) }).collect();
    if matches!(kind, NodeKind::CubaLif | NodeKind::CubaLi) {
        let a_syn = step_fractions(node, "tau_syn", path, n, dt, discretisation)?;
        let w_in = finite(node, "w_in", path, n, Some(1.0))?;
        if let Some(i) = (0..n).find(|&i| membrane_gain[i] == 0.0) {
            return Err(refused(path, format!("non-zero `r` (the current reaches the membrane through it); neuron {i} has r = {}", r[i])));
        }
        // NIR's current steps by w_in·dt/τ_syn per spike; Norse's LIFCell adds its input whole.
        let current_step: Vec<f64> = match discretisation {
            Discretisation::ForwardEuler | Discretisation::Exponential => (0..n).map(|i| w_in[i] * a_syn[i]).collect(),
            Discretisation::Norse => w_in,
        };
        return Ok(Coefficients {
            beta,
            alpha: Some(to_f32(a_syn.iter().map(|a| 1.0 - a))),
            threshold,
            gain: to_f32((0..n).map(|i| membrane_gain[i] * current_step[i])),
            drive: to_f32((0..n).map(|i| constant_drive[i] * a_syn[i])),
            v_reset: to_f32(v_reset),
            current_scale: to_f32(membrane_gain),
            current_offset: to_f32(constant_drive),
            initial,
        });
    }
    Ok(Coefficients {
        beta,
        alpha: None,
        threshold,
        gain: to_f32(membrane_gain),
        drive: to_f32(constant_drive),
        v_reset: to_f32(v_reset),
        current_scale: vec![1.0; n],
        current_offset: vec![0.0; n],
        initial,
    })
}

fn fixed_param(values: Vec<f32>, device: &Device) -> Param<Tensor<1>> {
    Param::from_tensor(constant(values, device)).set_require_grad(false)
}

impl NeuronNode {
    /// The node for `node` with `n` neurons.
    pub(crate) fn build(node: &NirNode, path: &str, n: usize, dt: f64, discretisation: Discretisation, device: &Device) -> Result<NeuronNode> {
        let c = coefficients(node, path, n, dt, discretisation)?;
        let spikes = matches!(node.kind, NodeKind::Lif | NodeKind::If | NodeKind::CubaLif);
        let reset = if spikes { ResetMode::Zero } else { ResetMode::None };
        let (leaky, synaptic) = match c.alpha {
            Some(alpha) => {
                let mut layer = SynapticConfig::new(0.5, 0.5).with_neurons(Some(n)).with_reset(reset).with_reset_delay(false).init(device)?;
                layer.alpha = fixed_param(alpha, device);
                layer.beta = fixed_param(c.beta, device);
                layer.threshold = fixed_param(c.threshold, device);
                (None, Some(layer))
            }
            None => {
                let mut layer = LeakyConfig::new(0.5).with_neurons(Some(n)).with_reset(reset).with_reset_delay(false).init(device)?;
                layer.beta = fixed_param(c.beta, device);
                layer.threshold = fixed_param(c.threshold, device);
                (Some(layer), None)
            }
        };
        Ok(NeuronNode {
            leaky,
            synaptic,
            gain: constant(c.gain, device),
            drive: constant(c.drive, device),
            v_reset: constant(c.v_reset, device),
            current_scale: constant(c.current_scale, device),
            current_offset: constant(c.current_offset, device),
            initial: constant(c.initial, device),
            emits: if spikes { Emits::Spikes } else { Emits::Membrane },
        })
    }

    /// Runs `x` (`[steps, batch, n]`, NIR's input current) from `carry` (rest if `None`):
    /// what the node emits, its trace, and the state to continue from.
    pub(crate) fn run(&self, x: Tensor<3>, carry: Option<Carry>) -> Result<(Tensor<3>, NeuronTrace, Carry)> {
        let [steps, batch, n] = x.dims();
        let per_neuron = |t: &Tensor<1>| t.clone().reshape([1, 1, n]);
        let input = x.mul(per_neuron(&self.gain)).add(per_neuron(&self.drive));
        let carry = carry.unwrap_or_else(|| Carry {
            membrane: per_neuron(&self.initial).repeat_dim(1, batch),
            synaptic: self.synaptic.as_ref().map(|_| per_neuron(&self.current_offset).repeat_dim(1, batch)),
        });
        let out = match (&self.leaky, &self.synaptic) {
            (Some(leaky), _) => leaky.try_forward(input, Some(carry.membrane))?,
            (_, Some(synaptic)) => synaptic.try_forward(input, Some(NeuronState { synaptic: carry.synaptic, ..NeuronState::new(carry.membrane) }))?,
            _ => unreachable!("a neuron node holds one layer"),
        };
        let last = |t: &Tensor<3>| t.clone().slice(steps - 1..steps);
        let next = Carry { membrane: last(&out.membrane), synaptic: out.synaptic.as_ref().map(last) };
        let membrane = out.membrane.add(per_neuron(&self.v_reset));
        let synaptic = out.synaptic.map(|current| current.sub(per_neuron(&self.current_offset)).div(per_neuron(&self.current_scale)));
        let spikes = (self.emits == Emits::Spikes).then_some(out.spikes);
        let emitted = match &spikes {
            Some(spikes) => spikes.clone(),
            None => membrane.clone(),
        };
        Ok((emitted, NeuronTrace { spikes, membrane, synaptic }, next))
    }
}
