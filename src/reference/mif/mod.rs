//! CPU reference of the memristive integrate-and-fire (MIF) neuron of MEMprop (Zhou, Eshraghian,
//! Choi, Lu, Kang, arXiv 2206.12992) and its exact reverse-scan backward.
//!
//! # Model
//!
//! The discrete model is the reference integration of the authors' development notebook
//! (github.com/jeshraghian/mem-IF `MIF_RK2_numerical_integration_new.ipynb`, commit `e35f559`).
//! Each neuron has the state s = (a, I, v, x1, x2), and one update uses only old values:
//!
//! ```text
//! a_{t+1}  = a_t − a_t/τ_α + input_t
//! I_{t+1}  = I_t + (a_t − I_t)/τ_α
//! v_{t+1}  = v_t + (dt/C)·(I_t − G1_t·(v_t − E1) − G2_t·(v_t − E2))
//! xk_{t+1} = xk_t + (1/τ)·[(1 − xk_t)·σ(((v_t − Ek) − v_on)/k_th) − xk_t·σ((v_off − (v_t − Ek))/k_th)]
//! Gk_t     = xk_t/R_on + (1 − xk_t)/R_off,        σ(z) = 1/(1 + e^{−z}),        k = 1, 2
//! ```
//!
//! The notebook has no input (its drive is the initial kick a(0)). A layer's input `W·x_t` enters
//! through a, as `a ← a − a/τ_α + input` (the paper's layer: synaptic current drives the alpha kernel). `mif.py` in the same repository
//! updates the variables in sequence from the new values instead, and drops the `+ a` in the a
//! update. That is a different map, and this reference does not follow it.
//!
//! # Units
//!
//! The notebook's numbers are R_on = 1000, R_off = 1e5, C = 1e-4, a(0) = 5·e·1e-3, with the
//! comments "1 kΩ, 100 µF, 5 mA, mV, 0.01 ms per step". Its update divides by C and has no dt.
//! With v in mV and R in Ω, G·(v − E) is in mA. So the numbers are consistent only when dt = 1 s,
//! or, at the stated 10 µs step, when C means 1 nF and the peak current is 5 µA (not 5 mA). Only
//! dt·G/C and dt·I/C enter the map. The notebook's rescaled sets (1 MΩ, 100 nF, 5·e µA) and
//! (1 GΩ, 100 pF, 5·e nA) have the same ratios, so they give the same trajectory. The tests check
//! this.
//!
//! This module uses a physically consistent system where every value is O(1):
//! **mV, µA, kΩ (= mV/µA), mS, nF and µs, with time constants in steps**. The defaults are
//! R_on = 1 kΩ, R_off = 100 kΩ, C = 1 nF and dt = 10 µs. That gives dt/C = 10 kΩ (so R_on·C is
//! 0.1 step), a(0) = 5·e µA, and a peak I of ≈ 5.03 µA at step 99. This is the same map as the
//! notebook's numbers, to 4e-14 mV in f64.
//!
//! # Layout and time convention
//!
//! Tensors are time-major: `input[t * N + n]`. Output `t` is the membrane **after** update `t`,
//! v_{t+1}, which has taken input_t. Because the scheme is explicit, input_t reaches a_{t+1},
//! then I_{t+2}, then v_{t+3}. So it first shows in output `t + 2`, and with a loss on v alone,
//! the gradients of the last two inputs are exactly zero.
//!
//! # Precision and stability
//!
//! The f32 path, [`forward::<f32>`](forward), is the spec the WGSL kernel mirrors. It computes
//! the same [`MifCoefficients`] in f32, with the same operations in the same order, and keeps the
//! state in f32 across steps. Over the 999-step golden trace it matches f64 to 4e-7 of max |v|.
//! Since every value here is O(1), f32 needs no further rescaling. In fact f32 also handles the
//! notebook's own units to 4e-7, since every value there is a normal f32 too. Rescaling is
//! cosmetic for f32; it would matter for f16, which this cell does not support.
//! GPU `exp` is not correctly rounded, so kernel tests compare against this reference with a
//! tolerance.
//!
//! The v update multiplies v by 1 − (G1 + G2)·dt/C. Explicit Euler is therefore stable only
//! while (G1 + G2)·dt/C < 2. With the defaults that means x1 + x2 < 0.182 (the golden trace
//! reaches 0.094). Drives of ≳ 3× the golden kick push x past this bound, and v then diverges to
//! NaN. This happens in the notebook too; it is a property of the discretization, not a bug here.
//!
//! The backward recomputes the forward and **stores all five states of every step**
//! ([`record`]), then runs the exact adjoint of each update in reverse. It has no surrogate,
//! because the model is smooth.

use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// The arithmetic the reference needs. It is implemented for f32 (what the kernel mirrors) and for
/// f64 (golden values and finite-difference checks).
pub trait MifFloat:
    Copy + Debug + PartialOrd + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> + Neg<Output = Self>
{
    /// Rounds an f64 constant to this type (exact for f64).
    fn from_f64(value: f64) -> Self;
    /// Widens to f64 (exact for both types).
    fn to_f64(self) -> f64;
    /// e^self.
    fn exponential(self) -> Self;
}

impl MifFloat for f32 {
    #[inline]
    fn from_f64(value: f64) -> Self {
        value as f32
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn exponential(self) -> Self {
        self.exp()
    }
}

impl MifFloat for f64 {
    #[inline]
    fn from_f64(value: f64) -> Self {
        value
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn exponential(self) -> Self {
        self.exp()
    }
}

/// The notebook's initial memristor state, x1 = x2 = 0.0238 (dimensionless).
pub const INITIAL_MEMRISTOR_STATE: f64 = 0.0238;

/// The notebook's initial kick a(0) in µA: 5·e, so that the alpha current I peaks near a(0)/e =
/// 5 µA (5.03 µA at step 99 in discrete time).
pub const NOTEBOOK_KICK: f64 = 5.0 * std::f64::consts::E;

/// The MIF constants in this module's unit system (mV, µA, kΩ, nF, µs; time constants in steps).
///
/// Parameters stay f64 because they are a few scalars. The f32 path rounds each one to f32 before
/// deriving [`MifCoefficients`], the same way the host does for the kernel's uniforms.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MifParams {
    /// Resistance of a fully switched memristor (x = 1), R_on, in kΩ.
    pub r_on: f64,
    /// Resistance of an unswitched memristor (x = 0), R_off, in kΩ.
    pub r_off: f64,
    /// Membrane capacitance C, in nF.
    pub capacitance: f64,
    /// Time step dt, in µs. Only dt/C (in kΩ) enters the update.
    pub dt: f64,
    /// Voltage across a memristor above which it switches on, v_on, in mV.
    pub v_on: f64,
    /// Voltage across a memristor below which it switches off, v_off, in mV.
    pub v_off: f64,
    /// Time constant τ of the memristor state, in steps.
    pub tau: f64,
    /// Time constant τ_α of the alpha-shaped input current, in steps.
    pub tau_alpha: f64,
    /// Reversal potential E1 of memristor 1, in mV.
    pub e1: f64,
    /// Reversal potential E2 of memristor 2, in mV.
    pub e2: f64,
    /// Width k_th of the switching sigmoids, in mV.
    pub k_th: f64,
}

impl Default for MifParams {
    /// The paper's defaults, in this module's units: R_on 1 kΩ, R_off 100 kΩ, v_on 110 mV,
    /// v_off 5 mV, τ = τ_α = 100 steps (1 ms), E1 = −25 mV, E2 = +25 mV, k_th = 0.6·25 mV.
    /// The notebook's "C = 100 µF" with dt left out is C = 1 nF at dt = 10 µs (see the module
    /// docs).
    fn default() -> Self {
        Self {
            r_on: 1.0,
            r_off: 100.0,
            capacitance: 1.0,
            dt: 10.0,
            v_on: 110.0,
            v_off: 5.0,
            tau: 100.0,
            tau_alpha: 100.0,
            e1: -25.0,
            e2: 25.0,
            k_th: 0.6 * 25.0,
        }
    }
}

impl MifParams {
    /// The notebook's starting membrane, (E1 + E2)/2, in mV.
    pub fn resting_potential(&self) -> f64 {
        0.5 * (self.e1 + self.e2)
    }
}

/// The state of one neuron.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MifState<F = f32> {
    /// Drive a of the alpha kernel, in µA. The input is added here.
    pub a: F,
    /// Current I into the membrane, in µA.
    pub i: F,
    /// Membrane potential v, in mV.
    pub v: F,
    /// State of memristor 1 (reversal E1), from 0 to 1.
    pub x1: F,
    /// State of memristor 2 (reversal E2), from 0 to 1.
    pub x2: F,
}

impl<F: MifFloat> MifState<F> {
    /// All zeros; this is also the zero adjoint.
    pub fn zero() -> Self {
        let zero = F::from_f64(0.0);
        Self { a: zero, i: zero, v: zero, x1: zero, x2: zero }
    }

    /// The notebook's initial state without the kick: a = I = 0, v = (E1 + E2)/2,
    /// x1 = x2 = 0.0238. This is what [`forward`] uses when `initial` is `None`. It is not an
    /// exact fixed point, because each x relaxes toward its own equilibrium.
    pub fn rest(params: &MifParams) -> Self {
        let x = F::from_f64(INITIAL_MEMRISTOR_STATE);
        Self { a: F::from_f64(0.0), i: F::from_f64(0.0), v: F::from_f64(params.resting_potential()), x1: x, x2: x }
    }

    /// The golden trace's initial state: [`MifState::rest`] with a(0) = [`NOTEBOOK_KICK`].
    pub fn kicked(params: &MifParams) -> Self {
        Self { a: F::from_f64(NOTEBOOK_KICK), ..Self::rest(params) }
    }
}

/// The derived constants one update uses, computed once per call in the working precision. The
/// kernel's uniforms must hold exactly these f32 values, because reciprocals and divisions round
/// differently.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MifCoefficients<F> {
    /// 1/R_on, in mS.
    pub g_on: F,
    /// 1/R_off, in mS.
    pub g_off: F,
    /// dt/C, in kΩ: mV of change per µA of net current in one step.
    pub dt_over_c: F,
    /// 1/τ, per step.
    pub inv_tau: F,
    /// 1/τ_α, per step.
    pub inv_tau_alpha: F,
    /// 1/k_th, per mV.
    pub inv_k_th: F,
    /// v_on, in mV.
    pub v_on: F,
    /// v_off, in mV.
    pub v_off: F,
    /// E1, in mV.
    pub e1: F,
    /// E2, in mV.
    pub e2: F,
}

impl<F: MifFloat> MifCoefficients<F> {
    /// Rounds each parameter to F first, then derives the coefficients in F.
    pub fn new(params: &MifParams) -> Self {
        let f = F::from_f64;
        let one = f(1.0);
        Self {
            g_on: one / f(params.r_on),
            g_off: one / f(params.r_off),
            dt_over_c: f(params.dt) / f(params.capacitance),
            inv_tau: one / f(params.tau),
            inv_tau_alpha: one / f(params.tau_alpha),
            inv_k_th: one / f(params.k_th),
            v_on: f(params.v_on),
            v_off: f(params.v_off),
            e1: f(params.e1),
            e2: f(params.e2),
        }
    }
}

/// Conductance of a memristor in state x: x/R_on + (1 − x)/R_off, in mS.
#[inline]
fn conductance<F: MifFloat>(c: &MifCoefficients<F>, x: F) -> F {
    x * c.g_on + (F::from_f64(1.0) - x) * c.g_off
}

/// The switching sigmoids of a memristor with reversal `e`, at membrane `v`:
/// (σ(((v − e) − v_on)/k_th), σ((v_off − (v − e))/k_th)).
///
/// Both are written as 1/(1 + e^{−z}), as in the notebook. Over the membrane range the model can
/// stably reach, |z| stays well below f32's exp overflow (≈ 88). Even past that, e^{+∞} gives
/// σ = 0, which is the correct limit.
#[inline]
fn switching<F: MifFloat>(c: &MifCoefficients<F>, v: F, e: F) -> (F, F) {
    let one = F::from_f64(1.0);
    let across = v - e;
    let on = one / (one + ((c.v_on - across) * c.inv_k_th).exponential());
    let off = one / (one + ((across - c.v_off) * c.inv_k_th).exponential());
    (on, off)
}

/// One update of one neuron: s_{t+1} from s_t and input_t. Every right-hand side reads the old
/// state. This is the exact operation order the kernel mirrors.
#[inline]
pub fn step<F: MifFloat>(c: &MifCoefficients<F>, s: MifState<F>, input: F) -> MifState<F> {
    let one = F::from_f64(1.0);
    let g1 = conductance(c, s.x1);
    let g2 = conductance(c, s.x2);
    let (on1, off1) = switching(c, s.v, c.e1);
    let (on2, off2) = switching(c, s.v, c.e2);
    MifState {
        a: s.a - s.a * c.inv_tau_alpha + input,
        i: s.i + (s.a - s.i) * c.inv_tau_alpha,
        v: s.v + (s.i - g1 * (s.v - c.e1) - g2 * (s.v - c.e2)) * c.dt_over_c,
        x1: s.x1 + ((one - s.x1) * on1 - s.x1 * off1) * c.inv_tau,
        x2: s.x2 + ((one - s.x2) * on2 - s.x2 * off2) * c.inv_tau,
    }
}

/// The adjoint of one memristor's terms. It returns the memristor's contribution to dL/dv_t and
/// the whole of dL/dx_t. `adj_x` and `adj_v` are dL/dx_{t+1} and dL/dv_{t+1}.
#[inline]
fn memristor_adjoint<F: MifFloat>(c: &MifCoefficients<F>, v: F, x: F, e: F, adj_x: F, adj_v: F) -> (F, F) {
    let one = F::from_f64(1.0);
    let (on, off) = switching(c, v, e);
    // d/dv[(1 − x)·σ_on − x·σ_off] = ((1 − x)·σ_on(1 − σ_on) + x·σ_off(1 − σ_off))/k_th. σ_off's
    // argument decreases with v, so its term flips sign twice and ends up positive.
    let to_v = adj_x * c.inv_tau * c.inv_k_th * ((one - x) * on * (one - on) + x * off * (one - off));
    // x feeds its own update (∂/∂x = 1 − (σ_on + σ_off)/τ) and the membrane through G
    // (∂v_{t+1}/∂x = −(g_on − g_off)·(v − e)·dt/C).
    let to_x = adj_x * (one - (on + off) * c.inv_tau) - adj_v * (c.g_on - c.g_off) * (v - e) * c.dt_over_c;
    (to_v, to_x)
}

/// Given dL/ds_{t+1} (`adj`) and the state s_t the update started from, returns dL/ds_t through
/// one update. This is the transposed Jacobian of [`step`].
#[inline]
pub fn step_adjoint<F: MifFloat>(c: &MifCoefficients<F>, s: MifState<F>, adj: MifState<F>) -> MifState<F> {
    let one = F::from_f64(1.0);
    let keep = one - c.inv_tau_alpha;
    let g1 = conductance(c, s.x1);
    let g2 = conductance(c, s.x2);
    let (v_from_x1, x1) = memristor_adjoint(c, s.v, s.x1, c.e1, adj.x1, adj.v);
    let (v_from_x2, x2) = memristor_adjoint(c, s.v, s.x2, c.e2, adj.x2, adj.v);
    MifState {
        // a_t feeds a_{t+1} (×(1 − 1/τ_α)) and I_{t+1} (×1/τ_α).
        a: adj.a * keep + adj.i * c.inv_tau_alpha,
        // I_t feeds I_{t+1} (×(1 − 1/τ_α)) and v_{t+1} (×dt/C).
        i: adj.i * keep + adj.v * c.dt_over_c,
        // v_t feeds v_{t+1} (×(1 − (G1 + G2)·dt/C)) and both switching sigmoids.
        v: adj.v * (one - (g1 + g2) * c.dt_over_c) + v_from_x1 + v_from_x2,
        x1,
        x2,
    }
}

/// Forward outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct MifTrajectory<F = f32> {
    /// `[T, N]`, in mV. Entry `t * N + n` is neuron n's membrane after update t (v_{t+1}).
    pub membrane: Vec<F>,
    /// `[N]`: the state after the last update (s_T). Pass it as `initial` to continue the
    /// sequence.
    pub final_state: Vec<MifState<F>>,
}

/// Gradients of a loss with respect to the inputs of [`forward`].
#[derive(Debug, Clone, PartialEq)]
pub struct MifGradients<F = f32> {
    /// `[T, N]` dL/dinput, in loss units per µA.
    pub input: Vec<F>,
    /// `[N]` dL/d(initial state), one adjoint per state variable. When `initial` was `None`, this
    /// is the gradient with respect to the [`MifState::rest`] state that was used.
    pub initial: Vec<MifState<F>>,
}

fn initial_states<F: MifFloat>(params: &MifParams, initial: Option<&[MifState<F>]>, neurons: usize) -> Vec<MifState<F>> {
    match initial {
        Some(states) => {
            assert_eq!(states.len(), neurons, "initial state must be [N] = [{neurons}]");
            states.to_vec()
        }
        None => vec![MifState::rest(params); neurons],
    }
}

/// Runs `steps` updates of `neurons` independent MIF neurons. `input` is `[T, N]` (µA, added to
/// a), and `initial` is `[N]`, or `None` for [`MifState::rest`].
///
/// Use `F = f32` for the kernel's spec and `F = f64` for golden values and gradient checks.
pub fn forward<F: MifFloat>(params: &MifParams, input: &[F], initial: Option<&[MifState<F>]>, steps: usize, neurons: usize) -> MifTrajectory<F> {
    assert_eq!(input.len(), steps * neurons, "input must be [T, N] = [{steps}, {neurons}]");
    let c = MifCoefficients::<F>::new(params);
    let mut state = initial_states(params, initial, neurons);
    let mut membrane = vec![F::from_f64(0.0); steps * neurons];
    for t in 0..steps {
        for n in 0..neurons {
            let k = t * neurons + n;
            state[n] = step(&c, state[n], input[k]);
            membrane[k] = state[n].v;
        }
    }
    MifTrajectory { membrane, final_state: state }
}

/// Every state of the forward pass, `[T + 1, N]` time-major. Row 0 is the initial state, and row
/// t + 1 is the state after update t. The values are identical to [`forward`]'s, because both
/// call the same [`step`].
pub fn record<F: MifFloat>(params: &MifParams, input: &[F], initial: Option<&[MifState<F>]>, steps: usize, neurons: usize) -> Vec<MifState<F>> {
    assert_eq!(input.len(), steps * neurons, "input must be [T, N] = [{steps}, {neurons}]");
    let c = MifCoefficients::<F>::new(params);
    let mut states = initial_states(params, initial, neurons);
    states.reserve(steps * neurons);
    for t in 0..steps {
        for n in 0..neurons {
            let k = t * neurons + n;
            let next = step(&c, states[k], input[k]);
            states.push(next);
        }
    }
    states
}

/// Exact reverse-mode gradients through [`forward`].
///
/// `grad_membrane` is `[T, N]` dL/d(output t) = dL/dv_{t+1}. `grad_final` is an optional `[N]`
/// dL/ds_T, for a loss on the final state or for backpropagating across chunked calls.
///
/// The function recomputes the forward pass and stores all T + 1 states (5·(T + 1)·N values). It
/// then scans in reverse: at step t it adds dL/dv_{t+1}, reads dL/dinput_t = dL/da_{t+1}, and
/// maps the adjoint through [`step_adjoint`] at s_t.
pub fn backward<F: MifFloat>(
    params: &MifParams,
    input: &[F],
    initial: Option<&[MifState<F>]>,
    grad_membrane: &[F],
    grad_final: Option<&[MifState<F>]>,
    steps: usize,
    neurons: usize,
) -> MifGradients<F> {
    assert_eq!(grad_membrane.len(), steps * neurons, "grad_membrane must be [T, N] = [{steps}, {neurons}]");
    let c = MifCoefficients::<F>::new(params);
    let states = record(params, input, initial, steps, neurons);
    let mut adjoint = match grad_final {
        Some(grads) => {
            assert_eq!(grads.len(), neurons, "grad_final must be [N] = [{neurons}]");
            grads.to_vec()
        }
        None => vec![MifState::zero(); neurons],
    };
    let mut grad_input = vec![F::from_f64(0.0); steps * neurons];
    for t in (0..steps).rev() {
        for n in 0..neurons {
            let k = t * neurons + n;
            // `adjoint[n]` holds dL/ds_{t+1} from the later steps. Output t is v_{t+1}.
            let mut adj = adjoint[n];
            adj.v = adj.v + grad_membrane[k];
            // a_{t+1} = … + input_t, with unit weight.
            grad_input[k] = adj.a;
            // Row t of `states` (index k) is s_t, the state update t started from.
            adjoint[n] = step_adjoint(&c, states[k], adj);
        }
    }
    MifGradients { input: grad_input, initial: adjoint }
}

mod layout;
#[cfg(test)]
use layout::planes;
pub use layout::{trajectory, trajectory_backward};

#[cfg(test)]
mod tests;
