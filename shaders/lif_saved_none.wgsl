// A forward without the compact saved state: the store is a no-op (its call sits behind the
// COMPACT constant, but WGSL needs the function to exist).

fn compact_store(t: u32, n: u32, spike: f32, states: vec3<f32>, bits: ptr<function, u32>, pending: ptr<function, vec3<f32>>) {}
