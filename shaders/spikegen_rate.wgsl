// Rate coding (snnTorch `spikegen.rate`): spike[t, i] = 1 with probability p[i], independently
// per step, from counter-based randomness keyed by (seed, i, t), so the same seed gives the
// same spike trains on every device and in the CPU reference. Steps before
// `first_spike_time` stay silent.

@group(0) @binding(0) var<storage, read_write> probability: array<f32>;  // [N], in [0, 1]
@group(0) @binding(1) var<storage, read_write> spikes: array<Elem>;      // [T, N]
@group(0) @binding(2) var<storage, read_write> params: RateParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let i = linear_index(workgroup, num_workgroups, local);
    let p = params;
    if i >= p.neurons {
        return;
    }
    let chance = probability[i];
    let key = vec2<u32>(p.seed_lo, p.seed_hi);
    for (var t = 0u; t < p.steps; t++) {
        var fire = false;
        if t >= p.first_spike_time {
            fire = uniform_from(philox(vec4<u32>(i, t, RATE_STREAM, 0u), key).x) < chance;
        }
        spikes[t * p.neurons + i] = Elem(select(0.0, 1.0, fire));
    }
}
