// Rate coding (snnTorch `spikegen.rate`): spike[t, i] = 1 with probability p[i], independently
// per step, from counter-based randomness keyed by (seed, i, t), so the same seed gives the
// same spike trains on every device and in the CPU reference. Steps before
// `first_spike_time` stay silent. With `seed_from_draws` the key comes from three uniforms the
// device's generator drew, stored after the N probabilities, so a fresh key needs no host read.

@group(0) @binding(0) var<storage, read_write> probability: array<f32>;  // [N] in [0, 1] (+ 3 draws)
@group(0) @binding(1) var<storage, read_write> spikes: array<Elem>;      // [T, N]
@group(0) @binding(2) var<storage, read_write> params: RateParams;

// 22 bits of each of three uniforms in [0, 1) (exact: a power-of-two scale, then truncation).
fn drawn_key(a: f32, b: f32, c: f32) -> vec2<u32> {
    let x = u32(a * 4194304.0);
    let y = u32(b * 4194304.0);
    let z = u32(c * 4194304.0);
    return vec2<u32>(x ^ (y << 22u), (y >> 10u) ^ (z << 12u));
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let i = linear_index(workgroup, num_workgroups, local);
    let p = params;
    if i >= p.neurons {
        return;
    }
    let chance = probability[i];
    var key = vec2<u32>(p.seed_lo, p.seed_hi);
    if p.seed_from_draws != 0u {
        key = drawn_key(probability[p.neurons], probability[p.neurons + 1u], probability[p.neurons + 2u]);
    }
    for (var t = 0u; t < p.steps; t++) {
        var fire = false;
        if t >= p.first_spike_time {
            fire = uniform_from(philox(vec4<u32>(i, t, RATE_STREAM, 0u), key).x) < chance;
        }
        spikes[t * p.neurons + i] = Elem(select(0.0, 1.0, fire));
    }
}
