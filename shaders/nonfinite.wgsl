// Non-finite values, tested by bit pattern. WGSL lets an implementation assume that NaN and
// infinities never occur at runtime, so `x != x` may be folded to false and `clamp`, `min` and
// `max` may turn a NaN into a bound. The crate's non-finite policy (README, "Non-finite values")
// needs NaN kept, as IEEE arithmetic and the CPU reference keep it: these helpers never compare
// floats.

fn is_nan_f32(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn is_finite_f32(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// Non-zero, NaN included (+0 and −0 are zero), as the CPU reference's `x != 0.0`.
fn is_nonzero_f32(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7fffffffu) != 0u;
}

// `clamp` that returns a NaN argument unchanged, as Rust's `f32::clamp` and torch's clamp do.
fn clamp_keep_nan(x: f32, low: f32, high: f32) -> f32 {
    return select(clamp(x, low, high), x, is_nan_f32(x));
}

// `max(x, low)` that returns a NaN argument unchanged (`max_keep_nan` of the CPU reference).
fn max_keep_nan(x: f32, low: f32) -> f32 {
    return select(max(x, low), x, is_nan_f32(x));
}

// A quiet NaN, for outputs the policy poisons.
fn nan_f32() -> f32 {
    return bitcast<f32>(0x7fc00000u);
}
