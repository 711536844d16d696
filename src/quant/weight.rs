//! The weight quantizers: the forward value is quantized, the gradient passes straight through
//! to the full-precision master weight.

use burn::tensor::{DType, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{NeuroError, Result};

/// How a layer's weight is quantized at every forward.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum WeightQuant {
    /// Full precision.
    #[default]
    Float,
    /// Per-tensor narrow-range signed integers of `bits` bits (2 to 8), see [`fake_quantize`].
    Int {
        /// Bit width b: the weight takes at most 2^b − 1 values.
        bits: u32,
    },
    /// ±1, see [`binarize`].
    Binary,
}

impl WeightQuant {
    /// Checks the bit width.
    pub fn validate(&self) -> Result<()> {
        match *self {
            WeightQuant::Int { bits } if !(2..=8).contains(&bits) => {
                Err(NeuroError::Range { argument: "bits", value: bits.to_string(), expected: "a weight bit width from 2 to 8".into() })
            }
            _ => Ok(()),
        }
    }

    /// The number of distinct values a quantized weight can take (`None` for float).
    pub fn levels(&self) -> Option<usize> {
        match *self {
            WeightQuant::Float => None,
            WeightQuant::Int { bits } => Some(1usize.checked_shl(bits).map_or(usize::MAX, |n| n - 1)),
            WeightQuant::Binary => Some(2),
        }
    }

    /// The forward weight, with a straight-through gradient (identity for float).
    pub fn apply<const D: usize>(&self, weight: Tensor<D>) -> Result<Tensor<D>> {
        match *self {
            WeightQuant::Float => Ok(weight),
            WeightQuant::Int { bits } => fake_quantize(weight, bits),
            WeightQuant::Binary => Ok(binarize(weight)),
        }
    }
}

/// The value `quantized` in the forward pass and the gradient of `weight` in the backward one.
fn straight_through<const D: usize>(weight: Tensor<D>, quantized: Tensor<D>) -> Tensor<D> {
    weight.clone() + (quantized - weight).detach()
}

/// Brevitas' default weight quantizer (`Int8WeightPerTensorFloat` at `bits` bits), as the QSNN
/// recipes use it: `s = max|W| / (2^(b−1) − 1)`, `W_q = s·clamp(round(W/s), −(2^(b−1) − 1),
/// 2^(b−1) − 1)` with round half to even.
///
/// The gradient is Brevitas' own: rounding and clamping pass it straight through, and the scale
/// is recomputed from the weights at every call and is differentiable, so the element of largest
/// magnitude (one of them where several tie; PyTorch's max would split it among the ties) also
/// receives `sign(W_max)/(2^(b−1) − 1)·Σ_j g_j·(round(W_j/s) − W_j/s)`. (For the
/// golden `W = [0.7, −0.33, 0.12, 0.04]` and an all-ones upstream gradient: `[0.957143, 1, 1, 1]`.)
/// The weight is quantized in f32 whatever its dtype (a half-precision scale would move the
/// levels). An all-zero weight stays zero (Brevitas would divide by zero).
///
/// ```
/// # use burn::tensor::{Device, Tensor};
/// let w = Tensor::<1>::from_floats([0.7, -0.33, 0.12, 0.04], &Device::flex());
/// let q = burn_neuro::quant::fake_quantize(w, 4).unwrap();
/// // s = 0.7 / 7 = 0.1: [7, -3.3, 1.2, 0.4] rounds to [7, -3, 1, 0].
/// q.into_data().assert_approx_eq::<f32>(&[0.7, -0.3, 0.1, 0.0].into(), burn::tensor::Tolerance::absolute(1e-6));
/// ```
pub fn fake_quantize<const D: usize>(weight: Tensor<D>, bits: u32) -> Result<Tensor<D>> {
    WeightQuant::Int { bits }.validate()?;
    let dtype = weight.dtype();
    let w = weight.cast(DType::F32);
    let top = ((1u32 << (bits - 1)) - 1) as f32;
    // [1, …, 1]: broadcasts against the weight. An all-zero weight would give a zero scale:
    // one (any positive value) maps it to zeros instead of NaN.
    let max = w.clone().abs().max().reshape([1; D]);
    let zero = max.clone().equal_elem(0.0);
    let scale = max.div_scalar(top).mask_fill(zero, 1.0);
    let levels = w / scale.clone();
    // round and clamp in the forward value, the identity in the backward one.
    let integers = levels.clone() + (levels.clone().round().clamp(-top, top) - levels).detach();
    Ok((integers * scale).cast(dtype))
}

/// Sign binarization as the threshold-annealing recipes use it: `+1` where `w ≥ 0` (zero
/// included), `−1` elsewhere, no scale, and the identity as gradient (no `|w| ≤ 1` cancelling).
pub fn binarize<const D: usize>(weight: Tensor<D>) -> Tensor<D> {
    let dtype = weight.dtype();
    // `+ 0·w` keeps a NaN or infinite weight visible instead of binarizing it to −1.
    let signs = weight.clone().greater_equal_elem(0.0).float().cast(dtype).mul_scalar(2.0).sub_scalar(1.0) + weight.clone().mul_scalar(0.0);
    straight_through(weight, signs)
}
