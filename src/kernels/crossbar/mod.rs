//! Memristor crossbar: programming (`shaders/crossbar_program.wgsl`) and analog reads, with
//! counter-based noise (`shaders/philox.wgsl`).
//!
//! Per MAC an analog read is one multiply-add on an effective weight; everything else is per
//! input row or per output. So a read is Burn's own matmul between elementwise kernels:
//! 1. a Burn reduction gives max|x| per (batch row, row tile) for noise management;
//! 2. `shaders/crossbar_read_quantize.wgsl` applies noise management and the DAC and lays the
//!    quantized inputs out as the left operands of batched matmuls (with the ramped and absolute
//!    copies IR drop needs, the squares PCM read noise and the power trace need);
//! 3. Burn's matmul multiplies them with the effective weight plane (and |W|, and the
//!    conductance sums for power) of every row tile at once;
//! 4. `shaders/crossbar_read_finish.wgsl` finishes each output's first pass: IR drop, read and
//!    output noise, ADC, the bound-management test;
//! 5. `shaders/crossbar_read_retry.wgsl` re-reads only the rows that saturated (with bound
//!    management on);
//! 6. `shaders/crossbar_read_combine.wgsl` sums the tiles digitally and applies the gains.
//!
//! Every kernel but the retry is elementwise, without workgroup barriers: on software
//! rasterizers a barrier costs a context switch per SIMD group of a workgroup.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;
use serde::{Deserialize, Serialize};

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, empty_like, grid_1d, ordered_bindings, wgsl_elem};
use crate::analog::config::{BoundManagement, CrossbarConfig, NoiseManagement, ProgrammingNoise, ReadNoise};
use crate::rng::philox_wgsl;

mod drift;
mod read;
pub use drift::{DriftParams, PCM_READ_TIME, drift};
pub use read::{RETRY_WORKGROUPS, read};

const COMMON: &str = include_str!("../../../shaders/crossbar_common.wgsl");
const PROGRAM: &str = include_str!("../../../shaders/crossbar_program.wgsl");
const READ_COMMON: &str = include_str!("../../../shaders/crossbar_read_common.wgsl");
const READ_QUANTIZE: &str = include_str!("../../../shaders/crossbar_read_quantize.wgsl");
const READ_FINISH: &str = include_str!("../../../shaders/crossbar_read_finish.wgsl");
const READ_RETRY: &str = include_str!("../../../shaders/crossbar_read_retry.wgsl");
const READ_COMBINE: &str = include_str!("../../../shaders/crossbar_read_combine.wgsl");
const DRIFT: &str = include_str!("../../../shaders/crossbar_drift.wgsl");

wgsl_params! {
    /// The kernels' parameter block; the WGSL struct of the same name is rendered from it.
    #[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable, Serialize, Deserialize)]
    pub struct CrossbarParams {
        pub inputs: u32,
        pub outputs: u32,
        pub batch: u32,
        pub tile_rows: u32,
        pub tile_cols: u32,
        pub row_tiles: u32,
        pub col_tiles: u32,
        /// Read counter: a fresh noise stream per call.
        pub call: u32,
        pub seed_lo: u32,
        pub seed_hi: u32,
        /// 0: continuous
        pub levels: u32,
        /// ceil(tile_cols / WORKGROUP_SIZE), at most 4
        pub cols_per_thread: u32,
        pub g_min: f32,
        pub g_max: f32,
        /// 1 / (g_max − g_min)
        pub inv_g_range: f32,
        pub inv_g_max: f32,
        pub programming_sigma: f32,
        pub device_variation: f32,
        pub stuck_at_min: f32,
        pub stuck_at_max: f32,
        pub drift_scale: f32,
        /// ln(t / t0), 0 without drift
        pub log_time_ratio: f32,
        /// Δin, 0: no DAC quantization
        pub input_step: f32,
        pub input_bound: f32,
        /// Δout, 0: no ADC quantization
        pub output_step: f32,
        pub output_bound: f32,
        /// α for constant noise management
        pub noise_constant: f32,
        /// another pass while β <= this (0: no bound management)
        pub max_bound_factor: f32,
        pub output_noise: f32,
        pub read_noise: f32,
        pub ir_drop: f32,
        pub ir_drop_g_ratio: f32,
        pub read_voltage: f32,
        /// K of the read's matmuls: tile_rows, or inputs with a single row tile
        pub padded_rows: u32,
        pub _pad0: u32,
        /// integration time per pass, ns
        pub integration_ns: f32,
    }
}

/// The variant codes the crossbar kernels branch on, declared once here and rendered into the
/// WGSL as named constants.
pub mod codes {
    /// No programming noise.
    pub const PROGRAMMING_NOISE_NONE: u32 = 0;
    /// Constant σ in µS.
    pub const PROGRAMMING_NOISE_CONSTANT: u32 = 1;
    /// aihwkit's PCM polynomial.
    pub const PROGRAMMING_NOISE_PCM: u32 = 2;
    /// Inputs unscaled.
    pub const NOISE_MANAGEMENT_NONE: u32 = 0;
    /// Inputs divided by their row's max |x|.
    pub const NOISE_MANAGEMENT_ABS_MAX: u32 = 1;
    /// Inputs divided by a constant.
    pub const NOISE_MANAGEMENT_CONSTANT: u32 = 2;
    /// No read noise.
    pub const READ_NOISE_NONE: u32 = 0;
    /// Additive constant σ·‖x'‖₂.
    pub const READ_NOISE_ADDITIVE: u32 = 1;
    /// PCM read noise σ·√(Σ|w|·x'²).
    pub const READ_NOISE_PCM: u32 = 2;

    /// The WGSL declarations of every code.
    pub(crate) fn wgsl() -> String {
        [
            ("PROGRAMMING_NOISE_NONE", PROGRAMMING_NOISE_NONE),
            ("PROGRAMMING_NOISE_CONSTANT", PROGRAMMING_NOISE_CONSTANT),
            ("PROGRAMMING_NOISE_PCM", PROGRAMMING_NOISE_PCM),
            ("NOISE_MANAGEMENT_NONE", NOISE_MANAGEMENT_NONE),
            ("NOISE_MANAGEMENT_ABS_MAX", NOISE_MANAGEMENT_ABS_MAX),
            ("NOISE_MANAGEMENT_CONSTANT", NOISE_MANAGEMENT_CONSTANT),
            ("READ_NOISE_NONE", READ_NOISE_NONE),
            ("READ_NOISE_ADDITIVE", READ_NOISE_ADDITIVE),
            ("READ_NOISE_PCM", READ_NOISE_PCM),
        ]
        .iter()
        .map(|(name, code)| format!("const {name}: u32 = {code}u;\n"))
        .collect()
    }
}

/// The code-shaping choices of a crossbar (each combination is its own compiled variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CrossbarVariant {
    /// A `codes::PROGRAMMING_NOISE_*`.
    pub programming_noise: u32,
    pub drift: bool,
    /// A `codes::NOISE_MANAGEMENT_*`.
    pub noise_management: u32,
    /// A `codes::READ_NOISE_*`.
    pub read_noise: u32,
    pub ir_drop: bool,
    /// Also write power and current traces.
    pub traces: bool,
    /// Read Wᵀ: the analog backward pass.
    pub transposed: bool,
    /// Columns per read invocation, ⌈tile_cols / WORKGROUP_SIZE⌉ (1 to 4): a constant of the
    /// read kernel so its accumulators stay in registers.
    pub cols_per_thread: u32,
}

/// Everything the kernels need to know about a crossbar, derived from its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CrossbarSettings {
    pub params: CrossbarParams,
    pub variant: CrossbarVariant,
}

impl CrossbarSettings {
    /// Settings for an `inputs × outputs` crossbar read `batch` rows at a time (validated config).
    pub fn new(config: &CrossbarConfig, inputs: usize, outputs: usize, batch: usize) -> Self {
        let (programming_noise, programming_sigma) = match config.programming_noise {
            ProgrammingNoise::None => (codes::PROGRAMMING_NOISE_NONE, 0.0),
            ProgrammingNoise::Constant(s) => (codes::PROGRAMMING_NOISE_CONSTANT, s),
            ProgrammingNoise::PcmPolynomial(s) => (codes::PROGRAMMING_NOISE_PCM, s),
        };
        let (noise_management, noise_constant) = match config.noise_management {
            NoiseManagement::None => (codes::NOISE_MANAGEMENT_NONE, 1.0),
            NoiseManagement::AbsMax => (codes::NOISE_MANAGEMENT_ABS_MAX, 1.0),
            NoiseManagement::Constant(c) => (codes::NOISE_MANAGEMENT_CONSTANT, c),
        };
        let (read_noise, read_sigma) = match config.read_noise {
            ReadNoise::None => (codes::READ_NOISE_NONE, 0.0),
            ReadNoise::AdditiveConstant(s) => (codes::READ_NOISE_ADDITIVE, s),
            ReadNoise::PcmRead(s) => (codes::READ_NOISE_PCM, s),
        };
        let (drift_scale, log_time_ratio) = match config.drift {
            Some(d) if d.time > d.t0 => (d.scale, (d.time / d.t0).ln()),
            Some(d) => (d.scale, 0.0),
            None => (0.0, 0.0),
        };
        let max_bound_factor = match config.bound_management {
            BoundManagement::None => 0.0,
            BoundManagement::Iterative { .. } => config.max_bound_factor(),
        };
        let params = CrossbarParams {
            inputs: inputs as u32,
            outputs: outputs as u32,
            batch: batch as u32,
            tile_rows: config.tile_rows as u32,
            tile_cols: config.tile_cols as u32,
            row_tiles: inputs.div_ceil(config.tile_rows) as u32,
            col_tiles: outputs.div_ceil(config.tile_cols) as u32,
            call: 0,
            seed_lo: config.seed as u32,
            seed_hi: (config.seed >> 32) as u32,
            levels: config.levels.unwrap_or(0),
            cols_per_thread: config.tile_cols.div_ceil(WORKGROUP_SIZE as usize) as u32,
            g_min: config.g_min,
            g_max: config.g_max,
            inv_g_range: 1.0 / (config.g_max - config.g_min),
            inv_g_max: 1.0 / config.g_max,
            programming_sigma,
            device_variation: config.device_variation,
            stuck_at_min: config.stuck_at_min,
            stuck_at_max: config.stuck_at_max,
            drift_scale,
            log_time_ratio,
            input_step: config.input_step(),
            input_bound: config.input_bound,
            output_step: config.output_step(),
            output_bound: config.output_bound,
            noise_constant,
            max_bound_factor,
            output_noise: config.output_noise,
            read_noise: read_sigma,
            ir_drop: config.ir_drop,
            ir_drop_g_ratio: config.ir_drop_g_ratio,
            read_voltage: config.read_voltage,
            padded_rows: if inputs > config.tile_rows { config.tile_rows as u32 } else { inputs as u32 },
            _pad0: 0,
            integration_ns: config.timing.integration_time * 1e9,
        };
        let variant = CrossbarVariant {
            programming_noise,
            drift: config.drift.is_some(),
            noise_management,
            read_noise,
            ir_drop: config.ir_drop > 0.0,
            traces: false,
            transposed: false,
            cols_per_thread: params.cols_per_thread,
        };
        CrossbarSettings { params, variant }
    }

    /// Settings for reading Wᵀ with `batch` rows of forward-output gradients: inputs and
    /// outputs swap, tiles transpose, bound management is off (as in aihwkit's backward) and
    /// the noise comes from a stream disjoint from every forward read.
    pub fn transposed(&self, batch: usize) -> Self {
        let mut t = *self;
        let p = &mut t.params;
        std::mem::swap(&mut p.inputs, &mut p.outputs);
        std::mem::swap(&mut p.tile_rows, &mut p.tile_cols);
        p.row_tiles = p.inputs.div_ceil(p.tile_rows);
        p.col_tiles = p.outputs.div_ceil(p.tile_cols);
        p.cols_per_thread = p.tile_cols.div_ceil(WORKGROUP_SIZE);
        p.padded_rows = if p.inputs > p.tile_rows { p.tile_rows } else { p.inputs };
        t.variant.cols_per_thread = p.cols_per_thread;
        p.batch = batch as u32;
        p.max_bound_factor = 0.0;
        p.call |= 1 << 23;
        t.variant.transposed = !self.variant.transposed;
        t.variant.traces = false;
        t
    }

    /// Conductance planes the programmed state holds: g±, and ν± with drift.
    pub fn planes(&self) -> usize {
        if self.variant.drift { 4 } else { 2 }
    }

    /// Bytes of the largest buffer a read with these settings allocates (all f32): the padded
    /// weight tiles, the matmuls' left operands and sums, the per-tile partial outputs and the
    /// traces (see `read::read`). Callers compare it with the adapter's binding limit before
    /// launching anything.
    pub fn largest_read_buffer_bytes(&self) -> u64 {
        let p = &self.params;
        let (batch, row_tiles, k, outputs) = (p.batch as u64, p.row_tiles as u64, p.padded_rows as u64, p.outputs as u64);
        let slots = self.sum_slots();
        let total_slots = (slots.with_weight + slots.with_abs_weight + slots.with_conductance) as u64;
        let trace_planes = if self.variant.traces { 4 } else { 1 };
        let elements = [row_tiles * k * outputs, row_tiles * total_slots * batch * k.max(outputs), trace_planes * row_tiles * batch * outputs];
        4 * elements.into_iter().max().unwrap_or(0)
    }

    /// Left-operand slots of the read's three batched matmuls: `[with W, with |W|, with g+ + g−]`
    /// (see [`SumSlots`]).
    pub fn sum_slots(&self) -> SumSlots {
        SumSlots::of(&self.variant)
    }
}

/// Which sums a read's matmuls produce, per (row tile, batch row, column), in this order:
/// Σ w·x' (always), Σ w·x'·ramp (IR drop) — both with the effective weights W; Σ |w|·|x'| (IR
/// drop), Σ |w|·x'² (PCM read noise) — with |W|; Σ (g+ + g−)·x'² (power trace) — with the
/// conductance sums. The WGSL constants of the same names are rendered from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SumSlots {
    /// Slots multiplied by W.
    pub with_weight: usize,
    /// Slots multiplied by |W|.
    pub with_abs_weight: usize,
    /// Slots multiplied by g+ + g−.
    pub with_conductance: usize,
}

impl SumSlots {
    fn of(variant: &CrossbarVariant) -> Self {
        SumSlots {
            with_weight: 1 + variant.ir_drop as usize,
            with_abs_weight: variant.ir_drop as usize + (variant.read_noise == codes::READ_NOISE_PCM) as usize,
            with_conductance: variant.traces as usize,
        }
    }

    /// All slots.
    pub fn total(&self) -> usize {
        self.with_weight + self.with_abs_weight + self.with_conductance
    }

    fn wgsl(&self) -> String {
        format!(
            "const SLOTS_W: u32 = {}u;\nconst SLOTS_ABS: u32 = {}u;\nconst SLOTS_G: u32 = {}u;\nconst SLOTS_ALL: u32 = {}u;\n",
            self.with_weight,
            self.with_abs_weight,
            self.with_conductance,
            self.total()
        )
    }
}

/// The crossbar kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrossbarPass {
    Program,
    /// Read: noise management, DAC, matmul operands.
    ReadQuantize,
    /// Read: IR drop, noise, ADC and the bound test of the first pass.
    ReadFinish,
    /// Read: bound-management re-reads of the flagged rows.
    ReadRetry,
    /// Read: tile sums and output gains.
    ReadCombine,
    /// Inference-time drift and PCM read noise (`shaders/crossbar_drift.wgsl`).
    Drift,
}

impl CrossbarPass {
    /// The kernels of a read, in launch order.
    pub const READ: [CrossbarPass; 4] = [CrossbarPass::ReadQuantize, CrossbarPass::ReadFinish, CrossbarPass::ReadRetry, CrossbarPass::ReadCombine];
}

/// The bindings of a crossbar kernel, in binding order; no variant changes them (the read
/// declares its traces buffer even without traces, and is then given a placeholder).
pub fn crossbar_bindings(pass: CrossbarPass) -> Vec<Binding> {
    use BindingElement::{Elem, F32, Params};
    let params = Binding::new("params", Params(CrossbarParams::NAME));
    match pass {
        CrossbarPass::Program => vec![Binding::new("weight", F32), Binding::new("scales", F32), Binding::new("planes", F32), params],
        CrossbarPass::ReadQuantize => vec![
            Binding::new("input", Elem),
            Binding::new("row_max", F32),
            Binding::new("quantized_w", F32),
            Binding::new("quantized_abs", F32),
            Binding::new("quantized_g", F32),
            params,
        ],
        CrossbarPass::ReadFinish => vec![
            Binding::new("sums", F32),
            Binding::new("row_max", F32),
            Binding::new("sq_norm", F32),
            Binding::new("partial", F32),
            Binding::new("traces", F32),
            Binding::new("worklist", BindingElement::AtomicU32s),
            params,
        ],
        CrossbarPass::ReadRetry => vec![
            Binding::new("input", Elem),
            Binding::new("effective", F32),
            Binding::new("conductance_sum", F32),
            Binding::new("row_max", F32),
            Binding::new("worklist", BindingElement::U32),
            Binding::new("partial", F32),
            Binding::new("traces", F32),
            params,
        ],
        CrossbarPass::ReadCombine => vec![Binding::new("partial", F32), Binding::new("gains", F32), Binding::new("output", Elem), params],
        CrossbarPass::Drift => {
            vec![Binding::new("programmed", F32), Binding::new("drifted", F32), Binding::new("params", Params(DriftParams::NAME))]
        }
    }
}

/// Renders the WGSL of one kernel variant.
pub fn crossbar_shader(pass: CrossbarPass, variant: &CrossbarVariant, dtype: DType) -> String {
    let body = match pass {
        CrossbarPass::Program => PROGRAM,
        CrossbarPass::ReadQuantize => READ_QUANTIZE,
        CrossbarPass::ReadFinish => READ_FINISH,
        CrossbarPass::ReadRetry => READ_RETRY,
        CrossbarPass::ReadCombine => READ_COMBINE,
        CrossbarPass::Drift => DRIFT,
    };
    let read_common = if matches!(pass, CrossbarPass::Program | CrossbarPass::Drift) { "" } else { READ_COMMON };
    compose(
        Some(dtype),
        &[CrossbarParams::WGSL, DriftParams::WGSL, COMMON, &philox_wgsl(), read_common, body],
        &[
            ("codes", codes::wgsl()),
            ("sum_slots", SumSlots::of(variant).wgsl()),
            ("programming_noise", variant.programming_noise.to_string()),
            ("drift", variant.drift.to_string()),
            ("noise_management", variant.noise_management.to_string()),
            ("read_noise", variant.read_noise.to_string()),
            ("ir_drop", variant.ir_drop.to_string()),
            ("traces", variant.traces.to_string()),
            ("transposed", variant.transposed.to_string()),
            ("cols_per_thread", variant.cols_per_thread.to_string()),
        ],
    )
}

#[derive(Debug)]
struct CrossbarKernel {
    pass: CrossbarPass,
    variant: CrossbarVariant,
    dtype: DType,
}

impl KernelSource for CrossbarKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(crossbar_shader(self.pass, &self.variant, self.dtype))
    }
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.pass, self.variant, wgsl_elem(self.dtype).0, WORKGROUP_SIZE))
    }
    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// Binds the named `buffers` and the `params` block in the order of [`crossbar_bindings`].
fn launch(
    pass: CrossbarPass,
    variant: CrossbarVariant,
    dtype: DType,
    like: &CubeTensor,
    count: burn::cubecl::CubeCount,
    params: &[u8],
    buffers: Vec<(&'static str, CubeTensor)>,
) {
    let client = &like.client;
    let params = client.create_from_slice(params);
    let mut named: Vec<_> = buffers.into_iter().map(|(name, t)| (name, t.handle.binding())).collect();
    named.push(("params", params.binding()));
    let bindings = ordered_bindings(&crossbar_bindings(pass), named);
    let kernel = CrossbarKernel { pass, variant, dtype };
    client.launch(Box::new(SourceKernel::new(kernel, CubeDim::new_1d(WORKGROUP_SIZE))), count, KernelArguments::new().with_buffers(bindings));
}

/// Programs `weight [inputs, outputs]` (f32) with `scales = [max|W|, ·]`; returns the
/// `[planes, inputs, outputs]` f32 state.
pub fn program(weight: CubeTensor, scales: CubeTensor, settings: &CrossbarSettings) -> CubeTensor {
    let weight = into_contiguous(weight);
    let scales = into_contiguous(scales);
    let (inputs, outputs) = (settings.params.inputs as usize, settings.params.outputs as usize);
    let planes = empty_like(&weight, vec![settings.planes(), inputs, outputs], DType::F32);
    launch(
        CrossbarPass::Program,
        settings.variant,
        DType::F32,
        &weight,
        grid_1d(inputs * outputs, WORKGROUP_SIZE),
        bytemuck::bytes_of(&settings.params),
        vec![("weight", weight.clone()), ("scales", scales), ("planes", planes.clone())],
    );
    planes
}
