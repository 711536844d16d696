// What the backward reads in `SavedState::Full`: the forward output itself, [S | U | ...], each
// [T, N] in the storage dtype. Plane 1 is U, 2 the current I (or E), 3 H.

@group(0) @binding(3) var<storage, read_write> forward: array<Elem>;

fn stored_spike(t: u32, n: u32) -> f32 {
    return f32(forward[t * params.num_neurons + n]);
}

fn stored_plane(plane: u32, t: u32, n: u32) -> f32 {
    return f32(forward[(plane * params.num_steps + t) * params.num_neurons + n]);
}
