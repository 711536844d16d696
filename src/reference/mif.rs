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

/// A state's five values in plane order (a, I, v, x1, x2).
fn planes<F: MifFloat>(s: &MifState<F>) -> [F; 5] {
    [s.a, s.i, s.v, s.x1, s.x2]
}

fn from_planes<F: MifFloat>(p: [F; 5]) -> MifState<F> {
    MifState { a: p[0], i: p[1], v: p[2], x1: p[3], x2: p[4] }
}

/// The forward kernel's spec, in its layouts: `input [T, N]`, `initial [5, N]` (planes a, I, v,
/// x1, x2) → the trajectory `[T + 1, 5, N]`, row 0 the initial state and row t + 1 the state
/// after update t.
pub fn trajectory(c: &MifCoefficients<f32>, input: &[f32], initial: &[f32], steps: usize, neurons: usize) -> Vec<f32> {
    assert_eq!(input.len(), steps * neurons, "input must be [T, N] = [{steps}, {neurons}]");
    assert_eq!(initial.len(), 5 * neurons, "initial must be [5, N] = [5, {neurons}]");
    let mut out = vec![0.0; (steps + 1) * 5 * neurons];
    out[..5 * neurons].copy_from_slice(initial);
    for n in 0..neurons {
        let mut s = from_planes(std::array::from_fn(|p| initial[p * neurons + n]));
        for t in 0..steps {
            s = step(c, s, input[t * neurons + n]);
            for (p, value) in planes(&s).into_iter().enumerate() {
                out[((t + 1) * 5 + p) * neurons + n] = value;
            }
        }
    }
    out
}

/// The backward kernel's spec: from the forward's `trajectory` and the loss's gradient of every
/// entry of it, `grad_trajectory` (both `[T + 1, 5, N]`), returns `[T + 5, N]`: rows 0..T are
/// dL/dinput, rows T..T + 5 dL/d(initial state) in plane order.
pub fn trajectory_backward(c: &MifCoefficients<f32>, trajectory: &[f32], grad_trajectory: &[f32], steps: usize, neurons: usize) -> Vec<f32> {
    let len = (steps + 1) * 5 * neurons;
    assert_eq!(trajectory.len(), len, "trajectory must be [T + 1, 5, N]");
    assert_eq!(grad_trajectory.len(), len, "grad_trajectory must be [T + 1, 5, N]");
    let row = |values: &[f32], t: usize, n: usize| from_planes(std::array::from_fn(|p| values[(t * 5 + p) * neurons + n]));
    let mut out = vec![0.0; (steps + 5) * neurons];
    for n in 0..neurons {
        let mut adj = MifState::<f32>::zero();
        for t in (0..steps).rev() {
            adj = add(adj, row(grad_trajectory, t + 1, n));
            out[t * neurons + n] = adj.a;
            adj = step_adjoint(c, row(trajectory, t, n), adj);
        }
        adj = add(adj, row(grad_trajectory, 0, n));
        for (p, value) in planes(&adj).into_iter().enumerate() {
            out[(steps + p) * neurons + n] = value;
        }
    }
    out
}

fn add<F: MifFloat>(x: MifState<F>, y: MifState<F>) -> MifState<F> {
    MifState { a: x.a + y.a, i: x.i + y.i, v: x.v + y.v, x1: x.x1 + y.x1, x2: x.x2 + y.x2 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The golden trace's length: the recipe quotes v after 999 updates.
    const GOLDEN_STEPS: usize = 999;

    /// The notebook's own numbers: R in Ω, currents in mA, "C" = 1e-4 with dt = 1, and a(0) in
    /// the same current unit.
    fn notebook_units(resistance_scale: f64) -> (MifParams, f64) {
        let params = MifParams {
            r_on: 1e3 * resistance_scale,
            r_off: 1e5 * resistance_scale,
            capacitance: 1e-4 / resistance_scale,
            dt: 1.0,
            ..MifParams::default()
        };
        (params, NOTEBOOK_KICK * 1e-3 / resistance_scale)
    }

    /// Runs the golden trace in f64. It returns the membrane output and all states ([T + 1],
    /// where index u is the state after u updates).
    fn golden(params: &MifParams, kick: f64) -> (Vec<f64>, Vec<MifState<f64>>) {
        let initial = [MifState { a: kick, ..MifState::<f64>::rest(params) }];
        let input = vec![0.0f64; GOLDEN_STEPS];
        let trajectory = forward(params, &input, Some(&initial[..]), GOLDEN_STEPS, 1);
        let states = record(params, &input, Some(&initial[..]), GOLDEN_STEPS, 1);
        (trajectory.membrane, states)
    }

    /// Index of the first extreme value under `better`.
    fn extreme(values: &[f64], better: impl Fn(f64, f64) -> bool) -> usize {
        let mut best = 0;
        for (k, &value) in values.iter().enumerate() {
            if better(value, values[best]) {
                best = k;
            }
        }
        best
    }

    #[test]
    fn golden_trace_matches_the_notebook() {
        let params = MifParams::default();
        let (membrane, states) = golden(&params, NOTEBOOK_KICK);
        assert_eq!(membrane.len(), GOLDEN_STEPS);
        // Output t is v after t + 1 updates, and the recipe counts updates.
        let v_after = |updates: usize| membrane[updates - 1];

        // The notebook's trace as published with the paper's recipe, to the digits printed there.
        for (updates, value, half_ulp) in
            [(10, 15.6355, 5e-5), (100, 37.2676, 5e-5), (49, 45.7081, 5e-5), (644, -12.0489, 5e-5), (999, -9.14207, 5e-6)]
        {
            let got = v_after(updates);
            assert!((got - value).abs() <= half_ulp, "v after {updates} updates: {got} vs {value}");
        }
        assert_eq!(extreme(&membrane, |a, b| a > b) + 1, 49, "max v at update 49");
        assert_eq!(extreme(&membrane, |a, b| a < b) + 1, 644, "min v at update 644");
        let x1: Vec<f64> = states.iter().map(|s| s.x1).collect();
        let peak = extreme(&x1, |a, b| a > b);
        assert_eq!(peak, 218, "max x1 at update 218");
        assert!((x1[peak] - 0.083333).abs() <= 5e-7, "max x1 {}", x1[peak]);

        // Full-precision values from the notebook's literal f64 code run in Python, and the
        // same operations as here. The two agree to 4e-14 mV.
        for (updates, value) in
            [(10, 15.635482504962653), (100, 37.26764225798765), (49, 45.708072794022904), (644, -12.048859772223459), (999, -9.1420709818298)]
        {
            let got = v_after(updates);
            assert!((got - value).abs() <= 1e-9 * value.abs(), "v after {updates} updates: {got:.17} vs {value:.17}");
        }
        assert!((x1[218] - 0.0833331808589509).abs() <= 1e-12, "x1 after 218 updates: {:.17}", x1[218]);
    }

    #[test]
    fn notebook_units_and_its_rescaled_variants_are_the_same_map() {
        // (1 kΩ, "100 µF", 5·e mA-as-A), (1 MΩ, "100 nF", 5·e µA), (1 GΩ, "100 pF", 5·e nA), with dt = 1.
        let (reference, _) = golden(&MifParams::default(), NOTEBOOK_KICK);
        for scale in [1.0, 1e3, 1e6] {
            let (params, kick) = notebook_units(scale);
            let (membrane, _) = golden(&params, kick);
            let worst = membrane.iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            assert!(worst <= 1e-9, "resistance scale {scale}: max |Δv| = {worst:e} mV");
        }
    }

    #[test]
    fn f32_tracks_f64_over_the_golden_trace() {
        let params = MifParams::default();
        let (reference, _) = golden(&params, NOTEBOOK_KICK);
        let initial = [MifState::<f32>::kicked(&params)];
        let input = vec![0.0f32; GOLDEN_STEPS];
        let membrane = forward(&params, &input, Some(&initial[..]), GOLDEN_STEPS, 1).membrane;
        let peak = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let worst = membrane.iter().zip(&reference).map(|(a, b)| (a.to_f64() - b).abs()).fold(0.0, f64::max);
        // numpy f32 gives 3.9e-7 here. The margin allows for a different libm exp.
        assert!(worst / peak < 1e-5, "f32 vs f64: max |Δv| / max |v| = {:e}", worst / peak);
    }

    /// SplitMix64: deterministic test data without a dependency.
    struct SplitMix(u64);

    impl SplitMix {
        fn unit(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64
        }

        fn uniform(&mut self, low: f64, high: f64) -> f64 {
            low + (high - low) * self.unit()
        }

        fn state(&mut self, low: [f64; 5], high: [f64; 5]) -> MifState<f64> {
            MifState {
                a: self.uniform(low[0], high[0]),
                i: self.uniform(low[1], high[1]),
                v: self.uniform(low[2], high[2]),
                x1: self.uniform(low[3], high[3]),
                x2: self.uniform(low[4], high[4]),
            }
        }
    }

    /// A small random problem with the loss L = Σ w·v_out + Σ w_final·s_T. Its inputs and
    /// initial x stay well inside the explicit scheme's stable region (x1 + x2 < 0.18).
    struct Case {
        steps: usize,
        neurons: usize,
        input: Vec<f64>,
        initial: Vec<MifState<f64>>,
        weight: Vec<f64>,
        final_weight: Vec<MifState<f64>>,
    }

    impl Case {
        fn random(seed: u64, steps: usize, neurons: usize) -> Self {
            let mut rng = SplitMix(seed);
            let input = (0..steps * neurons).map(|_| rng.uniform(-0.5, 1.0)).collect();
            let initial = (0..neurons).map(|_| rng.state([0.0, 0.0, -20.0, 0.01, 0.01], [15.0, 5.0, 40.0, 0.05, 0.05])).collect();
            let weight = (0..steps * neurons).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let final_weight = (0..neurons).map(|_| rng.state([-1.0; 5], [1.0; 5])).collect();
            Self { steps, neurons, input, initial, weight, final_weight }
        }

        fn loss(&self, params: &MifParams, input: &[f64], initial: &[MifState<f64>]) -> f64 {
            let trajectory = forward(params, input, Some(initial), self.steps, self.neurons);
            let mut total: f64 = trajectory.membrane.iter().zip(&self.weight).map(|(v, w)| v * w).sum();
            for (s, w) in trajectory.final_state.iter().zip(&self.final_weight) {
                total += s.a * w.a + s.i * w.i + s.v * w.v + s.x1 * w.x1 + s.x2 * w.x2;
            }
            total
        }
    }

    fn get(s: &MifState<f64>, k: usize) -> f64 {
        match k {
            0 => s.a,
            1 => s.i,
            2 => s.v,
            3 => s.x1,
            _ => s.x2,
        }
    }

    fn component(s: &mut MifState<f64>, k: usize) -> &mut f64 {
        match k {
            0 => &mut s.a,
            1 => &mut s.i,
            2 => &mut s.v,
            3 => &mut s.x1,
            _ => &mut s.x2,
        }
    }

    #[test]
    fn backward_matches_central_differences() {
        let params = MifParams::default();
        let case = Case::random(0x5EED_0001, 40, 3);
        let states = record(&params, &case.input, Some(&case.initial[..]), case.steps, case.neurons);
        assert!(states.iter().all(|s| s.x1 + s.x2 < 0.18 && s.v.abs() < 200.0), "test case left the stable region");

        let grads = backward(&params, &case.input, Some(&case.initial[..]), &case.weight, Some(&case.final_weight[..]), case.steps, case.neurons);

        // dL/dinput. The loss is ~1e3 and h = 1e-6, so round-off in the difference is ~1e-7.
        let h = 1e-6;
        let (mut worst, mut scale) = (0.0f64, 0.0f64);
        for k in 0..case.input.len() {
            let mut plus = case.input.clone();
            plus[k] += h;
            let mut minus = case.input.clone();
            minus[k] -= h;
            let numeric = (case.loss(&params, &plus, &case.initial) - case.loss(&params, &minus, &case.initial)) / (2.0 * h);
            worst = worst.max((grads.input[k] - numeric).abs());
            scale = scale.max(numeric.abs());
        }
        assert!(scale > 0.1 && worst <= 1e-6 * scale.max(1.0), "dL/dinput: max error {worst:e}, scale {scale:e}");

        // dL/d(initial state), one component at a time. x is ~0.03, so it gets a smaller step.
        for which in 0..5 {
            let (mut worst, mut scale) = (0.0f64, 0.0f64);
            for n in 0..case.neurons {
                let value = get(&case.initial[n], which);
                let delta = if which >= 3 { 1e-7 } else { h * value.abs().max(1.0) };
                let mut plus = case.initial.clone();
                *component(&mut plus[n], which) += delta;
                let mut minus = case.initial.clone();
                *component(&mut minus[n], which) -= delta;
                let numeric = (case.loss(&params, &case.input, &plus) - case.loss(&params, &case.input, &minus)) / (2.0 * delta);
                let analytic = get(&grads.initial[n], which);
                worst = worst.max((analytic - numeric).abs());
                scale = scale.max(numeric.abs());
            }
            assert!(worst <= 1e-6 * scale.max(1.0), "dL/d(initial component {which}): max error {worst:e}, scale {scale:e}");
        }
    }

    #[test]
    fn input_first_reaches_the_membrane_two_outputs_later() {
        // input_t → a_{t+1} → I_{t+2} → v_{t+3} = output t + 2.
        let params = MifParams::default();
        let (steps, t) = (12, 5);
        let base = vec![0.0f64; steps];
        let mut bumped = base.clone();
        bumped[t] = 1.0;
        let a = forward(&params, &base, None, steps, 1).membrane;
        let b = forward(&params, &bumped, None, steps, 1).membrane;
        assert_eq!(a[..t + 2], b[..t + 2], "outputs up to t + 1 must not see input t");
        assert!(b[t + 2] > a[t + 2], "output t + 2 must rise with input t");

        // The same fact from the backward: with a loss on v alone, the last two inputs get zero
        // gradient, and the third from last does not.
        let ones = vec![1.0f64; steps];
        let grads = backward(&params, &base, None, &ones, None, steps, 1);
        assert_eq!(grads.input[steps - 2..], [0.0, 0.0]);
        assert!(grads.input[steps - 3] > 0.0);
    }

    #[test]
    fn f32_backward_tracks_f64_over_the_golden_trace() {
        let params = MifParams::default();
        let mut rng = SplitMix(0x5EED_0002);
        let grad64: Vec<f64> = (0..GOLDEN_STEPS).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let grad32: Vec<f32> = grad64.iter().map(|&g| g as f32).collect();
        let g64 = backward(&params, &vec![0.0f64; GOLDEN_STEPS], Some(&[MifState::<f64>::kicked(&params)][..]), &grad64, None, GOLDEN_STEPS, 1);
        let g32 = backward(&params, &vec![0.0f32; GOLDEN_STEPS], Some(&[MifState::<f32>::kicked(&params)][..]), &grad32, None, GOLDEN_STEPS, 1);
        let scale = g64.input.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        let worst = g32.input.iter().zip(&g64.input).map(|(a, b)| (a.to_f64() - b).abs()).fold(0.0, f64::max);
        // numpy f32 gives 1.9e-6 here.
        assert!(worst / scale < 1e-4, "f32 vs f64 dL/dinput: {:e}", worst / scale);
        let (a, b) = (g32.initial[0], g64.initial[0]);
        for (x, y) in [(a.a, b.a), (a.i, b.i), (a.v, b.v), (a.x1, b.x1), (a.x2, b.x2)] {
            assert!((x.to_f64() - y).abs() <= 1e-4 * y.abs().max(1.0), "f32 vs f64 dL/ds0: {x} vs {y}");
        }
    }

    /// The kernels' layouts hold the same numbers as `record` and `backward`: the trajectory
    /// row by row, and with a gradient on the membrane plane only, the same dL/dinput and
    /// dL/d(initial state).
    #[test]
    fn kernel_layouts_match_record_and_backward() {
        let params = MifParams::default();
        let c = MifCoefficients::<f32>::new(&params);
        let (steps, neurons) = (7, 3);
        let input: Vec<f32> = (0..steps * neurons).map(|k| 0.03 * ((k * 7) % 11) as f32 - 0.05).collect();
        let initial = [MifState::<f32>::kicked(&params), MifState::rest(&params), MifState { v: 12.0, ..MifState::rest(&params) }];
        let planes_of = |states: &[MifState<f32>]| -> Vec<f32> { (0..5).flat_map(|p| states.iter().map(move |s| planes(s)[p])).collect() };
        let trajectory = trajectory(&c, &input, &planes_of(&initial), steps, neurons);
        let states = record(&params, &input, Some(&initial[..]), steps, neurons);
        for t in 0..=steps {
            assert_eq!(&trajectory[t * 5 * neurons..(t + 1) * 5 * neurons], &planes_of(&states[t * neurons..(t + 1) * neurons])[..], "row {t}");
        }
        let grad_membrane: Vec<f32> = (0..steps * neurons).map(|k| ((k * 5) % 7) as f32 - 3.0).collect();
        let mut grad_trajectory = vec![0.0; trajectory.len()];
        for t in 0..steps {
            for n in 0..neurons {
                grad_trajectory[((t + 1) * 5 + 2) * neurons + n] = grad_membrane[t * neurons + n];
            }
        }
        let kernel = trajectory_backward(&c, &trajectory, &grad_trajectory, steps, neurons);
        let expected = backward(&params, &input, Some(&initial[..]), &grad_membrane, None, steps, neurons);
        assert_eq!(&kernel[..steps * neurons], &expected.input[..]);
        assert_eq!(&kernel[steps * neurons..], &planes_of(&expected.initial)[..]);
    }

    /// The bound `train --model mif-mlp` relies on: a constant drive of ±0.2 µA per step keeps
    /// every state finite for 300 steps in f32, and 0.3 does not (the explicit update diverges).
    #[test]
    fn a_bounded_drive_stays_finite_for_300_steps() {
        let params = MifParams::default();
        let finite = |drive: f32| {
            let states = record(&params, &vec![drive; 300], None, 300, 1);
            states.iter().all(|s| planes(s).iter().all(|v| v.is_finite()))
        };
        assert!(finite(0.2) && finite(-0.2), "±0.2 µA per step must stay finite");
        assert!(!finite(0.3), "0.3 µA per step diverges: the bound the drive limit keeps below");
    }
}
