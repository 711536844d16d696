//! aihwkit's update quantization (`MixedPrecisionCompound`'s `n_d_bins`) as a backend op: the
//! identity forward, and a backward that rounds each row of the incoming gradient (one sample's
//! output error) onto `bins` levels across its absolute maximum. The layers apply it to the
//! path their weight gradient flows through, so the digital update sees quantized errors while
//! the input gradient stays exact.

mod autodiff;
mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};

/// Update quantization ops.
#[backend_extension(Cube, Autodiff, Flex, Remote: cfg(feature = "remote"))]
pub trait UpdateQuantizeOps: Backend {
    /// `input [rows, cols]` unchanged; its gradient quantized per row onto `bins` levels.
    fn update_quantize(input: FloatTensor<Self>, bins: u32) -> FloatTensor<Self>;
}

/// Rounds every row of `values [rows, cols]` to the nearest of `2·⌊bins/2⌋ + 1` levels spaced
/// max|row| / ⌊bins/2⌋ apart (round half to even, as aihwkit's `rintf`).
pub(crate) fn quantize_rows<B: Backend>(values: FloatTensor<B>, bins: u32) -> FloatTensor<B> {
    use burn::backend::Scalar;
    let half = (bins / 2).max(1) as f64;
    let max = B::float_max_dim(B::float_abs(values.clone()), 1);
    // An all-zero row stays zero whatever the width; the floor only avoids 0/0.
    let width = B::float_clamp_min(B::float_div_scalar(max, Scalar::Float(half)), Scalar::Float(f32::MIN_POSITIVE as f64));
    let levels = B::float_round(B::float_div(values, width.clone()));
    B::float_mul(B::float_clamp(levels, Scalar::Float(-half), Scalar::Float(half)), width)
}
