// Shared by the crossbar kernels: parameters and variant constants.
// Rendered after shaders/philox.wgsl.
{{ enable_f16 }}

alias Elem = {{ elem }};

// Layout is mirrored by `CrossbarParams` in src/kernels/crossbar.rs.
struct CrossbarParams {
    inputs: u32,
    outputs: u32,
    batch: u32,
    tile_rows: u32,
    tile_cols: u32,
    row_tiles: u32,
    col_tiles: u32,
    // Read counter: a fresh noise stream per call.
    call: u32,
    seed_lo: u32,
    seed_hi: u32,
    levels: u32,           // 0: continuous
    cols_per_thread: u32,  // ceil(tile_cols / WORKGROUP_SIZE), at most 4
    g_min: f32,
    g_max: f32,
    inv_g_range: f32,      // 1 / (g_max − g_min)
    inv_g_max: f32,
    programming_sigma: f32,
    device_variation: f32,
    stuck_at_min: f32,
    stuck_at_max: f32,
    drift_scale: f32,
    log_time_ratio: f32,   // ln(t / t0), 0 without drift
    input_step: f32,       // Δin, 0: no DAC quantization
    input_bound: f32,
    output_step: f32,      // Δout, 0: no ADC quantization
    output_bound: f32,
    noise_constant: f32,   // α for constant noise management
    max_bound_factor: f32, // another pass while β <= this (0: no bound management)
    output_noise: f32,
    read_noise: f32,
    ir_drop: f32,
    ir_drop_g_ratio: f32,
    read_voltage: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

const WORKGROUP_SIZE: u32 = {{ workgroup_size }}u;
// 0 none, 1 constant σ, 2 PCM polynomial.
const PROGRAMMING_NOISE: u32 = {{ programming_noise }}u;
const DRIFT: bool = {{ drift }};
// 0 none, 1 abs-max, 2 constant.
const NOISE_MANAGEMENT: u32 = {{ noise_management }}u;
// 0 none, 1 additive constant, 2 PCM read.
const READ_NOISE: u32 = {{ read_noise }}u;
const IR_DROP: bool = {{ ir_drop }};
const TRACES: bool = {{ traces }};
// Read Wᵀ (the analog backward pass): the planes stay [outputs_fwd, inputs_fwd]-major as
// programmed, and this read's inputs are the forward's outputs.
const TRANSPOSED: bool = {{ transposed }};

// Counter words that keep every random draw distinct: programming uses z = PROGRAM_STREAM,
// reads use z = the row-tile index (always smaller).
const PROGRAM_STREAM: u32 = 0xFFFFFFFFu;
