// Programming: turns each weight into a differential pair of device conductances, once.
// Per device (keyed by its physical position, so variation and faults persist across
// reprogramming with the same seed): target conductance, finite levels, programming noise,
// device-to-device variation, clamp at 0, stuck-at faults, and the drift exponent ν.
//
// planes[p·N + i] for N = inputs·outputs, i = row·outputs + column:
//   p = 0 / 1: conductance of the positive / negative device (µS);
//   p = 2 / 3: their drift exponents ν (only with drift).

@group(0) @binding(0) var<storage, read_write> weight: array<f32>;   // [inputs, outputs]
@group(0) @binding(1) var<storage, read_write> scales: array<f32>;   // [max|W_tile|]
@group(0) @binding(2) var<storage, read_write> planes: array<f32>;
@group(0) @binding(3) var<storage, read_write> params: CrossbarParams;

// aihwkit PCMLikeNoiseModel programming σ at normalised conductance ĝ (µS at g_max = 25 µS).
fn pcm_programming_sigma(g_hat: f32) -> f32 {
    return 0.26348 + 1.965 * g_hat - 1.1731 * g_hat * g_hat;
}

fn program_device(goal: f32, device: u32, polarity: u32) -> vec2<f32> {
    let p = params;
    let key = vec2<u32>(p.seed_lo, p.seed_hi);
    var g = goal;
    if p.levels > 1u {
        let step = (p.g_max - p.g_min) / f32(p.levels - 1u);
        g = p.g_min + round((g - p.g_min) / step) * step;
    }
    if PROGRAMMING_NOISE != PROGRAMMING_NOISE_NONE {
        var sigma = p.programming_sigma;
        if PROGRAMMING_NOISE == PROGRAMMING_NOISE_PCM {
            sigma = p.programming_sigma * pcm_programming_sigma(g * p.inv_g_max) * (p.g_max * 0.04);
        }
        g += sigma * normal_from(philox(vec4<u32>(device, polarity, PROGRAM_STREAM, 1u), key));
    }
    if p.device_variation > 0.0 {
        g *= 1.0 + p.device_variation * normal_from(philox(vec4<u32>(device, polarity, PROGRAM_STREAM, 2u), key));
    }
    g = max_keep_nan(g, 0.0);
    let u = uniform_from(philox(vec4<u32>(device, polarity, PROGRAM_STREAM, 3u), key).x);
    if u < p.stuck_at_min {
        g = p.g_min;
    } else if u < p.stuck_at_min + p.stuck_at_max {
        g = p.g_max;
    }
    var nu = 0.0;
    if DRIFT {
        // aihwkit PCM drift statistics at the target's normalised conductance.
        let log_g = log(max(goal * p.inv_g_max, 1.0e-7));
        let mu = clamp(-0.0155 * log_g + 0.0244, 0.049, 0.1);
        let sd = clamp(-0.0125 * log_g - 0.0059, 0.008, 0.045);
        nu = abs(mu + sd * normal_from(philox(vec4<u32>(device, polarity, PROGRAM_STREAM, 4u), key))) * p.drift_scale;
    }
    return vec2<f32>(g, nu);
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let i = linear_index(workgroup, num_workgroups, local);
    let n = params.inputs * params.outputs;
    if i >= n {
        return;
    }
    var w_max = scales[0];
    if w_max <= 0.0 {
        w_max = 1.0;
    }
    let span = params.g_max - params.g_min;
    // A non-finite weight programs NaN devices, so that its column reads NaN as the dense
    // product's would (the non-finite policy); `scales` holds max|W| over the finite weights.
    var w = weight[i] / w_max;
    if !is_finite_f32(weight[i]) {
        w = nan_f32();
    }
    let positive = program_device(params.g_min + span * max_keep_nan(w, 0.0), i, 0u);
    let negative = program_device(params.g_min + span * max_keep_nan(-w, 0.0), i, 1u);
    planes[i] = positive.x;
    planes[n + i] = negative.x;
    if DRIFT {
        planes[2u * n + i] = positive.y;
        planes[3u * n + i] = negative.y;
    }
}
