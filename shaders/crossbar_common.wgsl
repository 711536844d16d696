// Shared by the crossbar kernels: parameters and variant constants. Rendered first, before
// shaders/philox.wgsl and the kernel body.
// Variant codes, rendered from `kernels::crossbar::codes`.
{{ codes }}
const PROGRAMMING_NOISE: u32 = {{ programming_noise }}u;
const DRIFT: bool = {{ drift }};
const NOISE_MANAGEMENT: u32 = {{ noise_management }}u;
const READ_NOISE: u32 = {{ read_noise }}u;
const IR_DROP: bool = {{ ir_drop }};
const TRACES: bool = {{ traces }};
// Read Wᵀ (the analog backward pass): the planes stay [outputs_fwd, inputs_fwd]-major as
// programmed, and this read's inputs are the forward's outputs.
const TRANSPOSED: bool = {{ transposed }};

// Counter words that keep every random draw distinct: programming uses z = PROGRAM_STREAM,
// reads use z = the row-tile index (always smaller); the stream ids come from src/rng.rs.
