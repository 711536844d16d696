//! The analog read of a programmed crossbar: Burn's matmul on the effective weights between
//! the elementwise read kernels (see the module above for the steps).

use burn::backend::ops::FloatTensorOps;
use burn::backend::wgpu::{CubeBackend, CubeTensor, into_contiguous};
use burn::tensor::{DType, FloatDType, Slice};

use super::super::{WORKGROUP_SIZE, empty_like, grid_1d};
use super::{CrossbarPass, CrossbarSettings, codes, launch};

/// Workgroups of the bound-management re-read, striding over the triples that saturated: enough
/// to fill a large GPU, few enough that an empty worklist costs little.
pub const RETRY_WORKGROUPS: usize = 128;

/// Reads `input [batch, inputs]` through the `effective` weight plane (`[inputs, outputs]` of the
/// forward crossbar, f32; read as its transpose when `settings.variant.transposed`), with
/// `conductance_sum` (g+ + g−, same layout; only read with traces, a `[1]` placeholder
/// otherwise) and the per-output `gains [outputs]`. Returns `[batch, outputs]` in the input's
/// dtype and, with traces, `[4, batch, row_tiles, outputs]` f32: power (µW) and current of
/// the final pass (in V × effective-weight units: the caller multiplies by its µS per unit of
/// weight), energy over all passes (pJ, array only) and passes (a `[1]` placeholder otherwise).
pub fn read(
    input: CubeTensor,
    effective: CubeTensor,
    conductance_sum: CubeTensor,
    gains: CubeTensor,
    settings: &CrossbarSettings,
) -> (CubeTensor, CubeTensor) {
    let input = into_contiguous(input);
    let p = &settings.params;
    let (batch, row_tiles, k, outputs) = (p.batch as usize, p.row_tiles as usize, p.padded_rows as usize, p.outputs as usize);
    let variant = settings.variant;
    let device = input.device.clone();
    let placeholder = || empty_like(&input, vec![1], DType::F32);

    // 1. max|x| per (batch row, row tile): a Burn reduction over the zero-padded tiles.
    let row_max = if variant.noise_management == codes::NOISE_MANAGEMENT_ABS_MAX {
        let x = zero_padded(CubeBackend::float_abs(CubeBackend::float_cast(input.clone(), FloatDType::F32)), 1, row_tiles * k);
        into_contiguous(CubeBackend::float_max_dim(CubeBackend::float_reshape(x, vec![batch, row_tiles, k].into()), 2))
    } else {
        placeholder()
    };

    // 2. Noise management and DAC into the matmuls' left operands.
    let slots = settings.sum_slots();
    let operand = |count: usize| if count > 0 { empty_like(&input, vec![row_tiles, count, batch, k], DType::F32) } else { placeholder() };
    let (quantized_w, quantized_abs, quantized_g) = (operand(slots.with_weight), operand(slots.with_abs_weight), operand(slots.with_conductance));
    launch(
        CrossbarPass::ReadQuantize,
        variant,
        input.dtype,
        &input,
        grid_1d(batch * row_tiles * k, WORKGROUP_SIZE),
        bytemuck::bytes_of(p),
        vec![
            ("input", input.clone()),
            ("row_max", row_max.clone()),
            ("quantized_w", quantized_w.clone()),
            ("quantized_abs", quantized_abs.clone()),
            ("quantized_g", quantized_g.clone()),
        ],
    );
    // Σx'² per (row tile, batch row), for additive read noise.
    let sq_norm = if variant.read_noise == codes::READ_NOISE_ADDITIVE {
        let x =
            CubeBackend::float_slice(quantized_w.clone(), &[Slice::from(0..row_tiles), Slice::from(0..1), Slice::from(0..batch), Slice::from(0..k)]);
        into_contiguous(CubeBackend::float_sum_dim(CubeBackend::float_mul(x.clone(), x), 3))
    } else {
        placeholder()
    };

    // 3. [row_tiles, slots, batch, k] @ [row_tiles, 1, k, outputs]: Burn folds the broadcast
    // slots into the matmul's rows, so each row tile's weights are read once.
    let weights = weight_tiles(effective.clone(), settings);
    let mut sums = vec![CubeBackend::float_matmul(quantized_w, weights.clone())];
    if slots.with_abs_weight > 0 {
        sums.push(CubeBackend::float_matmul(quantized_abs, CubeBackend::float_abs(weights)));
    }
    if slots.with_conductance > 0 {
        sums.push(CubeBackend::float_matmul(quantized_g, weight_tiles(conductance_sum.clone(), settings)));
    }
    let sums = into_contiguous(if sums.len() > 1 { CubeBackend::float_cat(sums, 1) } else { sums.remove(0) });

    // 4. The first pass of every output.
    let partial = empty_like(&input, vec![row_tiles, batch, outputs], DType::F32);
    let triples = batch * row_tiles * p.col_tiles as usize;
    // Zero words: the count, the triples and their flags.
    let worklist = CubeBackend::float_zeros(vec![1 + 2 * triples].into(), &device, FloatDType::F32);
    let traces = if variant.traces { empty_like(&input, vec![4, batch, row_tiles, outputs], DType::F32) } else { placeholder() };
    launch(
        CrossbarPass::ReadFinish,
        variant,
        DType::F32,
        &input,
        grid_1d(batch * outputs, WORKGROUP_SIZE),
        bytemuck::bytes_of(p),
        vec![
            ("sums", sums),
            ("row_max", row_max.clone()),
            ("sq_norm", sq_norm),
            ("partial", partial.clone()),
            ("traces", traces.clone()),
            ("worklist", worklist.clone()),
        ],
    );

    // 5. Bound management: re-read what saturated, one workgroup per flagged triple.
    if p.max_bound_factor > 0.0 {
        launch(
            CrossbarPass::ReadRetry,
            variant,
            input.dtype,
            &input,
            grid_1d(triples.min(RETRY_WORKGROUPS), 1),
            bytemuck::bytes_of(p),
            vec![
                ("input", input.clone()),
                ("effective", into_contiguous(effective)),
                ("conductance_sum", into_contiguous(conductance_sum)),
                ("row_max", row_max),
                ("worklist", worklist),
                ("partial", partial.clone()),
                ("traces", traces.clone()),
            ],
        );
    }

    // 6. Tile sums and gains.
    let output = empty_like(&input, vec![batch, outputs], input.dtype);
    launch(
        CrossbarPass::ReadCombine,
        variant,
        input.dtype,
        &input,
        grid_1d(batch * outputs, WORKGROUP_SIZE),
        bytemuck::bytes_of(p),
        vec![("partial", partial), ("gains", into_contiguous(gains)), ("output", output.clone())],
    );
    (output, traces)
}

/// A `[inputs, outputs]` plane of the forward crossbar as this read's `[row_tiles, 1, k,
/// outputs]` right operand: transposed for a backward read, zero rows after a last, partial
/// row tile.
fn weight_tiles(plane: CubeTensor, settings: &CrossbarSettings) -> CubeTensor {
    let p = &settings.params;
    let (outputs, row_tiles, k) = (p.outputs as usize, p.row_tiles as usize, p.padded_rows as usize);
    let plane = if settings.variant.transposed { CubeBackend::float_swap_dims(plane, 0, 1) } else { plane };
    let plane = zero_padded(plane, 0, row_tiles * k);
    CubeBackend::float_reshape(plane, vec![row_tiles, 1, k, outputs].into())
}

/// `tensor` with zeros appended along `dim` up to `length` (a last, partial row tile filled
/// out; unchanged when it is already that long).
fn zero_padded(tensor: CubeTensor, dim: usize, length: usize) -> CubeTensor {
    let mut shape = tensor.meta.shape().to_vec();
    if shape[dim] >= length {
        return tensor;
    }
    shape[dim] = length - shape[dim];
    let padding = CubeBackend::float_zeros(shape.into(), &tensor.device.clone(), FloatDType::F32);
    CubeBackend::float_cat(vec![tensor, padding], dim)
}
