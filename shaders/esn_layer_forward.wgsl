// One leaky-tanh echo-state layer over a whole sequence: one workgroup per sequence keeps the
// layer's state in workgroup memory and walks every step,
//   x_t = (1 − a)·x_{t−1} + a·tanh(d_t + W·x_{t−1}),
// each invocation computing rows local, local + WORKGROUP_SIZE, … of W·x. W is bound transposed
// (weight_t[j·N + i] = W[i][j]) so that, at each j, neighbouring invocations read neighbouring
// words. Mirrors `reference::esn_layer::forward` (sum over j in index order, tanh's argument
// clamped to ±15 where some GPUs' tanh overflows to NaN).

const ESN_MAX_UNITS: u32 = {{ max_units }}u;
const ROWS_PER_INVOCATION: u32 = ESN_MAX_UNITS / WORKGROUP_SIZE;

@group(0) @binding(0) var<storage, read_write> drive: array<f32>;     // [B, T, N]
@group(0) @binding(1) var<storage, read_write> weight_t: array<f32>;  // [N, N], Wᵀ
@group(0) @binding(2) var<storage, read_write> initial: array<f32>;   // [B, N]
@group(0) @binding(3) var<storage, read_write> states: array<f32>;    // [B, T, N]
@group(0) @binding(4) var<storage, read_write> params: EsnLayerParams;

var<workgroup> shared_params: EsnLayerParams;
var<workgroup> state: array<f32, ESN_MAX_UNITS>;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    // Storage reads are non-uniform to WGSL; loading the parameters through workgroup memory
    // makes the early return and the step loop uniform, as the barriers inside require.
    if local == 0u {
        shared_params = params;
    }
    let p = workgroupUniformLoad(&shared_params);
    let b = workgroup_index(workgroup, num_workgroups);
    if b >= p.batch {
        return;
    }
    let n = p.neurons;
    let leak = p.leak;
    for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
        let i = local + r * WORKGROUP_SIZE;
        if i < n {
            state[i] = initial[b * n + i];
        }
    }
    workgroupBarrier();
    for (var t = 0u; t < p.steps; t++) {
        let row = (b * p.steps + t) * n;
        var next: array<f32, ROWS_PER_INVOCATION>;
        for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
            let i = local + r * WORKGROUP_SIZE;
            if i < n {
                var h = drive[row + i];
                for (var j = 0u; j < n; j++) {
                    h += weight_t[j * n + i] * state[j];
                }
                next[r] = (1.0 - leak) * state[i] + leak * tanh(clamp_keep_nan(h, -15.0, 15.0));
            }
        }
        // Every invocation has read the old state before any writes the new one.
        workgroupBarrier();
        for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
            let i = local + r * WORKGROUP_SIZE;
            if i < n {
                state[i] = next[r];
                states[row + i] = next[r];
            }
        }
        workgroupBarrier();
    }
}
