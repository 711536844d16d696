// Inference-time conductances (aihwkit `drift_analog_weights(t)`): each device drifts as
// g(t) = g_prog·(t/t0)^(−ν) and gets PCM read noise realised once,
// σ = g(t)·Q_s·√ln((t + t_read)/(2·t_read)), Q_s = min(0.0088 / max(ĝ^0.65, 1e-3), 0.2) with
// ĝ = g_prog / g_max; the result is clamped at 0. Input: the programmed [g+, g−, ν+, ν−]
// planes; output: [g+, g−] at time t (read like a crossbar without drift).

@group(0) @binding(0) var<storage, read_write> programmed: array<f32>;  // [4, devices]
@group(0) @binding(1) var<storage, read_write> drifted: array<f32>;     // [2, devices]
@group(0) @binding(2) var<storage, read_write> params: DriftParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let i = linear_index(workgroup, num_workgroups, local);
    let p = params;
    if i >= p.devices {
        return;
    }
    let key = vec2<u32>(p.seed_lo, p.seed_hi);
    for (var polarity = 0u; polarity < 2u; polarity++) {
        let g_prog = programmed[polarity * p.devices + i];
        let nu = programmed[(2u + polarity) * p.devices + i];
        let g = g_prog * exp(-nu * p.log_time_ratio);
        let q = min(0.0088 / max(pow(max(g_prog * p.inv_g_max, 0.0), 0.65), 1.0e-3), 0.2);
        let z = normal_from(philox(vec4<u32>(i, polarity, DRIFT_STREAM, p.realisation), key));
        drifted[polarity * p.devices + i] = max_keep_nan(g + g * q * p.read_noise_factor * z, 0.0);
    }
}
