// Device FMA-rate probe: each invocation runs CHAINS independent chains of ITERATIONS
// dependent fused multiply-adds (2 flops each) in registers and writes one value, so memory
// traffic is negligible next to arithmetic.

const ITERATIONS: u32 = {{ iterations }}u;
// Four independent chains keep the FMA pipes busy despite each chain's latency.
const CHAINS: u32 = 4u;

@group(0) @binding(0) var<storage, read_write> output: array<f32>;
@group(0) @binding(1) var<storage, read_write> params: CeilingParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let i = linear_index(workgroup, num_workgroups, local);
    if i >= params.count {
        return;
    }
    let x = f32(i % 1024u) * 1.0e-4;
    var a = vec4<f32>(1.0, 0.5, 0.25, 0.125);
    for (var k = 0u; k < ITERATIONS; k++) {
        a = fma(a, vec4<f32>(0.999), vec4<f32>(x));
    }
    output[i] = a.x + a.y + a.z + a.w;
}
