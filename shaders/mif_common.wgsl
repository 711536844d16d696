// The memristive integrate-and-fire (MIF) neuron's update and its exact adjoint, shared by the
// forward and backward kernels. Mirrors `reference::mif::step` and `step_adjoint` operation for
// operation (f32 throughout: the conductances and currents span ranges f16 cannot hold).
//
// State s = (a, I, v, x1, x2); one update reads only the old values:
//   a' = a − a/τ_α + input          I' = I + (a − I)/τ_α
//   v' = v + (I − G1·(v − E1) − G2·(v − E2))·dt/C
//   xk' = xk + [(1 − xk)·σ(((v − Ek) − v_on)/k_th) − xk·σ((v_off − (v − Ek))/k_th)]/τ
//   Gk = xk/R_on + (1 − xk)/R_off

struct MifState {
    a: f32,
    i: f32,
    v: f32,
    x1: f32,
    x2: f32,
}

// Index of neuron n's `plane` (0..5: a, I, v, x1, x2) in row `row` of a [rows, 5, N] buffer: the
// layout of the trajectory, its gradient, and (row 0) the initial state.
fn plane_index(row: u32, plane: u32, n: u32) -> u32 {
    return (row * 5u + plane) * params.neurons + n;
}

fn conductance(x: f32) -> f32 {
    return x * params.g_on + (1.0 - x) * params.g_off;
}

// (σ_on, σ_off) of a memristor with reversal `e` at membrane `v`, as 1/(1 + e^{−z}).
fn switching(v: f32, e: f32) -> vec2<f32> {
    let across = v - e;
    let on = 1.0 / (1.0 + exp((params.v_on - across) * params.inv_k_th));
    let off = 1.0 / (1.0 + exp((across - params.v_off) * params.inv_k_th));
    return vec2<f32>(on, off);
}

fn mif_step(s: MifState, input: f32) -> MifState {
    let g1 = conductance(s.x1);
    let g2 = conductance(s.x2);
    let w1 = switching(s.v, params.e1);
    let w2 = switching(s.v, params.e2);
    var next: MifState;
    next.a = s.a - s.a * params.inv_tau_alpha + input;
    next.i = s.i + (s.a - s.i) * params.inv_tau_alpha;
    next.v = s.v + (s.i - g1 * (s.v - params.e1) - g2 * (s.v - params.e2)) * params.dt_over_c;
    next.x1 = s.x1 + ((1.0 - s.x1) * w1.x - s.x1 * w1.y) * params.inv_tau;
    next.x2 = s.x2 + ((1.0 - s.x2) * w2.x - s.x2 * w2.y) * params.inv_tau;
    return next;
}

// One memristor's share of the adjoint: (its contribution to dL/dv_t, dL/dx_t), given
// dL/dx_{t+1} = adj_x and dL/dv_{t+1} = adj_v.
fn memristor_adjoint(v: f32, x: f32, e: f32, adj_x: f32, adj_v: f32) -> vec2<f32> {
    let w = switching(v, e);
    let to_v = adj_x * params.inv_tau * params.inv_k_th * ((1.0 - x) * w.x * (1.0 - w.x) + x * w.y * (1.0 - w.y));
    let to_x = adj_x * (1.0 - (w.x + w.y) * params.inv_tau) - adj_v * (params.g_on - params.g_off) * (v - e) * params.dt_over_c;
    return vec2<f32>(to_v, to_x);
}

// dL/ds_t from dL/ds_{t+1} through the update that started at s_t.
fn mif_step_adjoint(s: MifState, adj: MifState) -> MifState {
    let keep = 1.0 - params.inv_tau_alpha;
    let g1 = conductance(s.x1);
    let g2 = conductance(s.x2);
    let m1 = memristor_adjoint(s.v, s.x1, params.e1, adj.x1, adj.v);
    let m2 = memristor_adjoint(s.v, s.x2, params.e2, adj.x2, adj.v);
    var back: MifState;
    back.a = adj.a * keep + adj.i * params.inv_tau_alpha;
    back.i = adj.i * keep + adj.v * params.dt_over_c;
    back.v = adj.v * (1.0 - (g1 + g2) * params.dt_over_c) + m1.x + m2.x;
    back.x1 = m1.y;
    back.x2 = m2.y;
    return back;
}
