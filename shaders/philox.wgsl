// Counter-based randomness shared by every noisy kernel: Philox4x32-10 (Salmon et al., SC'11).
// The same (key, counter) gives the same four words on every device and in the CPU reference
// (src/rng.rs), so noise is reproducible and the reference can regenerate it exactly.

const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
const PHILOX_W0: u32 = 0x9E3779B9u;
const PHILOX_W1: u32 = 0xBB67AE85u;

// High and low 32 bits of a 32×32-bit product, from 16-bit halves (WGSL has no 64-bit ints).
fn mul_hi_lo(a: u32, b: u32) -> vec2<u32> {
    let a_lo = a & 0xFFFFu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xFFFFu;
    let b_hi = b >> 16u;
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    let cross = (lo_lo >> 16u) + (hi_lo & 0xFFFFu) + (lo_hi & 0xFFFFu);
    let hi = hi_hi + (hi_lo >> 16u) + (lo_hi >> 16u) + (cross >> 16u);
    return vec2<u32>(hi, a * b);
}

fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var round = 0u; round < 10u; round++) {
        let p0 = mul_hi_lo(PHILOX_M0, c.x);
        let p1 = mul_hi_lo(PHILOX_M1, c.z);
        c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
        k += vec2<u32>(PHILOX_W0, PHILOX_W1);
    }
    return c;
}

// An approximately standard normal from one Philox block: the Irwin–Hall sum of its eight
// 16-bit halves, centred and scaled. Integer sums and one multiply keep it bit-identical
// across devices (|z| <= 4.9).
fn normal_from(words: vec4<u32>) -> f32 {
    var sum = 0u;
    for (var i = 0u; i < 4u; i++) {
        sum += (words[i] & 0xFFFFu) + (words[i] >> 16u);
    }
    return (f32(sum) - 262144.0) * {{ normal_scale }};
}

// A uniform in [0, 1) with 24 bits.
fn uniform_from(word: u32) -> f32 {
    return f32(word >> 8u) * 5.9604644775390625e-8;
}
