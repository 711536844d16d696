// Shared by the LIF forward and backward kernels: parameter block, template constants and
// the surrogate gradient. Rendered in front of each kernel's own source.
{{ enable_f16 }}

// Layout is mirrored by `LifParams` in src/kernels/lif.rs (a naga test checks it).
struct LifParams {
    num_steps: u32,
    num_neurons: u32,
    // Length of the β and θ vectors; neuron n uses index n % coeff_len.
    coeff_len: u32,
    // State quantization: number of levels (0 = off), the lowest level, the spacing and its
    // reciprocal. A runtime switch (uniform across the dispatch) rather than another variant.
    quant_levels: u32,
    // Surrogate parameters: slope/alpha, and β for spike_rate_escape or the bound B for SFS.
    surrogate_a: f32,
    surrogate_b: f32,
    quant_lower: f32,
    quant_step: f32,
    quant_inv_step: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

alias Elem = {{ elem }};

const WORKGROUP_SIZE: u32 = {{ workgroup_size }}u;
// 0 subtract, 1 zero, 2 none, 3 zero-all (the new potential itself is zeroed).
const RESET_MODE: u32 = {{ reset_mode }}u;
const RESET_DELAY: bool = {{ reset_delay }};
const SURROGATE: u32 = {{ surrogate }}u;
// Backward only: whether dL/dβ and dL/dθ are wanted (skipped when neither is learnable).
const COEFF_GRADS: bool = {{ coeff_grads }};
// snnTorch `Synaptic`: a synaptic current I[t] = α·I[t-1] + X[t] drives the membrane instead of
// X. Adds an α row to the coefficients, an I row to the initial state and an I plane to the
// output (and their gradients).
const SYNAPTIC: bool = {{ synaptic }};
// snnTorch `RLeaky`/`RSynaptic` (one-to-one): the previous spike, weighted by V, joins the input,
// X[t] + V·S[t-1]. Adds a V coefficient row (after α) and an S[-1] initial-state row (after I).
const RECURRENT: bool = {{ recurrent }};
// Forward only: also write the compact saved state (bit-packed spikes, f16 state planes) for
// a memory-light backward. SAVED_PLANES state planes follow the spikes (U, then I, or E and H).
const COMPACT: bool = {{ compact }};
const SAVED_PLANES: u32 = {{ saved_planes }}u;
const ALPHA_ROW: u32 = 2u;
const RECURRENT_ROW: u32 = select(2u, 3u, SYNAPTIC);
const SYNAPTIC_STATE: u32 = 1u;
const SPIKE_STATE: u32 = select(1u, 2u, SYNAPTIC);
const HALF_PI: f32 = 1.5707963267948966;

// Strict `>` as in snnTorch; NaN compares false, so a NaN membrane never spikes.
fn step_indicator(value: f32, threshold: f32) -> f32 {
    return select(0.0, 1.0, value > threshold);
}

// Membrane before any same-step reset, with the delayed reset R applied.
fn integrate(beta: f32, theta: f32, previous: f32, input: f32, reset: f32) -> f32 {
    if RESET_MODE == 0u {
        return beta * previous + input - reset * theta;
    } else if RESET_MODE == 1u {
        return beta * (1.0 - reset) * previous + input;
    } else if RESET_MODE == 3u {
        return (1.0 - reset) * (beta * previous + input);
    }
    return beta * previous + input;
}

// snnTorch's state_quant: the nearest level, ties to the lower one, NaN kept. Multiplying by
// the reciprocal spacing (correctly rounded in WGSL, unlike division) keeps it in step with the
// reference.
fn quantize(value: f32) -> f32 {
    let levels = params.quant_levels;
    if levels == 0u || value != value {
        return value;
    }
    let index = clamp(ceil((value - params.quant_lower) * params.quant_inv_step - 0.5), 0.0, f32(levels - 1u));
    return params.quant_lower + index * params.quant_step;
}

// dS/dx at x = U - θ, as coded in snnTorch's surrogate.py.
fn surrogate_grad(x: f32, a: f32, b: f32) -> f32 {
    if SURROGATE == 0u {
        let z = HALF_PI * a * x;
        return (a * 0.5) / (1.0 + z * z);
    } else if SURROGATE == 1u {
        let d = a * abs(x) + 1.0;
        return 1.0 / (d * d);
    } else if SURROGATE == 2u {
        // Symmetric form of k·σ(kx)(1 − σ(kx)): never overflows.
        let e = exp(-a * abs(x));
        return a * e / ((1.0 + e) * (1.0 + e));
    } else if SURROGATE == 3u {
        return 1.0;
    } else if SURROGATE == 4u {
        return a * exp(-b * abs(x - 1.0));
    }
    // SFS: fast sigmoid above the bound b, zero below.
    if x > b {
        let d = a * abs(x) + 1.0;
        return 1.0 / (d * d);
    }
    return 0.0;
}

// snnTorch `Alpha`: τ_α = ln α / (ln β − ln α) + 1, which scales E + H into the membrane.
fn alpha_tau(alpha: f32, beta: f32) -> f32 {
    let la = log(alpha);
    return la / (log(beta) - la) + 1.0;
}

// (dτ_α/dα, dτ_α/dβ) = (ln β / (α·D²), −ln α / (β·D²)) with D = ln β − ln α.
fn alpha_tau_grad(alpha: f32, beta: f32) -> vec2<f32> {
    let la = log(alpha);
    let lb = log(beta);
    let d2 = (lb - la) * (lb - la);
    return vec2<f32>(lb / (alpha * d2), -la / (beta * d2));
}

// Neuron handled by this invocation. Large launches fold into a 2-D grid of workgroups
// because a dispatch dimension is limited to 65,535 workgroups.
fn neuron_index(workgroup: vec3<u32>, num_workgroups: vec3<u32>, local: u32) -> u32 {
    return (workgroup.y * num_workgroups.x + workgroup.x) * WORKGROUP_SIZE + local;
}
