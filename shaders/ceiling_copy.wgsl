// Device copy-bandwidth probe: each invocation moves one vec4<f32> (16 bytes in, 16 out).
// Consecutive invocations touch consecutive vec4s: the best-case, fully coalesced stream.

@group(0) @binding(0) var<storage, read_write> source: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> destination: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> params: CeilingParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let i = linear_index(workgroup, num_workgroups, local);
    if i < params.count {
        destination[i] = source[i];
    }
}
