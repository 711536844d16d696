//! The kernels' spec in their own layouts: the trajectory `[T + 1, 5, N]` the forward writes and
//! the `[T + 5, N]` gradients the backward returns, on the same [`step`] and [`step_adjoint`].

use super::{MifCoefficients, MifFloat, MifState, step, step_adjoint};

/// A state's five values in plane order (a, I, v, x1, x2).
pub(super) fn planes<F: MifFloat>(s: &MifState<F>) -> [F; 5] {
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
