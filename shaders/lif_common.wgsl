// Shared by the LIF forward and backward kernels: the bindings they all read, template constants
// and the surrogate gradient. Rendered in front of each kernel's own source, which declares its
// outputs and `params` after these.

@group(0) @binding(0) var<storage, read_write> input: array<Elem>;    // X [T, N]
@group(0) @binding(1) var<storage, read_write> initial: array<Elem>;  // the kind's state rows, N each
@group(0) @binding(2) var<storage, read_write> coeffs: array<f32>;    // the kind's coefficient rows, L each

// Coefficient `row` of neuron column c (neuron n uses column n % coeff_len).
fn coefficient(row: u32, c: u32) -> f32 {
    return coeffs[row * params.coeff_len + c];
}
// Reset and surrogate codes, rendered from `ResetMode` and `Surrogate` (src/neuron/spec.rs).
{{ codes }}
const RESET_MODE: u32 = {{ reset_mode }}u;
const RESET_DELAY: bool = {{ reset_delay }};
const SURROGATE: u32 = {{ surrogate }}u;
// Backward only: whether dL/dβ and dL/dθ are wanted (skipped when neither is learnable).
const COEFF_GRADS: bool = {{ coeff_grads }};
// The kind's rows and planes. SYNAPTIC (snnTorch `Synaptic`): a current I[t] = α·I[t-1] + X[t]
// drives the membrane instead of X. RECURRENT (`RLeaky`/`RSynaptic`, one-to-one): the previous
// spike, weighted by V, joins the input, X[t] + V·S[t-1].
{{ layout }}
// Forward only: also write the compact saved state (bit-packed spikes, f16 state planes) for
// a memory-light backward. SAVED_PLANES state planes follow the spikes (U, then I, or E and H).
const COMPACT: bool = {{ compact }};
const SAVED_PLANES: u32 = {{ saved_planes }}u;
const HALF_PI: f32 = 1.5707963267948966;

// Strict `>` as in snnTorch; a NaN membrane or threshold never spikes (tested by bits, as a
// comparison with NaN may be folded).
fn step_indicator(value: f32, threshold: f32) -> f32 {
    return select(0.0, 1.0, !is_nan_f32(value) && !is_nan_f32(threshold) && value > threshold);
}

// Whether the clamp of a coefficient to [0, 1] passes its gradient: 0 <= x <= 1, NaN excluded
// (torch's clamp backward gives a NaN coefficient no gradient).
fn in_unit(x: f32) -> bool {
    return !is_nan_f32(x) && x >= 0.0 && x <= 1.0;
}

// Membrane before any same-step reset, with the delayed reset R applied.
fn integrate(beta: f32, theta: f32, previous: f32, input: f32, reset: f32) -> f32 {
    if RESET_MODE == RESET_SUBTRACT {
        return beta * previous + input - reset * theta;
    } else if RESET_MODE == RESET_ZERO {
        return beta * (1.0 - reset) * previous + input;
    } else if RESET_MODE == RESET_ZERO_ALL {
        return (1.0 - reset) * (beta * previous + input);
    }
    return beta * previous + input;
}

// snnTorch's state_quant: the nearest level, ties to the lower one, NaN kept. Multiplying by
// the reciprocal spacing (correctly rounded in WGSL, unlike division) keeps it in step with the
// reference.
fn quantize(value: f32) -> f32 {
    let levels = params.quant_levels;
    if levels == 0u || is_nan_f32(value) {
        return value;
    }
    let index = clamp(ceil((value - params.quant_lower) * params.quant_inv_step - 0.5), 0.0, f32(levels - 1u));
    return params.quant_lower + index * params.quant_step;
}

// dS/dx at x = U - θ, as coded in snnTorch's surrogate.py.
fn surrogate_grad(x: f32, a: f32, b: f32) -> f32 {
    if SURROGATE == SURROGATE_ATAN {
        let z = HALF_PI * a * x;
        return (a * 0.5) / (1.0 + z * z);
    } else if SURROGATE == SURROGATE_FAST_SIGMOID {
        let d = a * abs(x) + 1.0;
        return 1.0 / (d * d);
    } else if SURROGATE == SURROGATE_SIGMOID {
        // Symmetric form of k·σ(kx)(1 − σ(kx)): never overflows.
        let e = exp(-a * abs(x));
        return a * e / ((1.0 + e) * (1.0 + e));
    } else if SURROGATE == SURROGATE_STRAIGHT_THROUGH {
        return 1.0;
    } else if SURROGATE == SURROGATE_SPIKE_RATE_ESCAPE {
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
