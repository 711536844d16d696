//! Graded spikes: snnTorch's `graded_spikes_factor`, a scale (optionally learnable) applied to
//! the emitted spikes. The reset still uses the binary spike, as in snnTorch, so the factor
//! lives outside the kernels as one broadcast multiply.

use burn::module::Param;
use burn::tensor::{Device, Tensor};

use super::parameter::f32_param;
use crate::error::{NeuroError, Result};

/// The factor as a parameter, or `None` when it is a fixed 1 (then no multiply is launched).
pub(crate) fn graded_factor(value: f32, learn: bool, device: &Device) -> Result<Option<Param<Tensor<1>>>> {
    if !value.is_finite() {
        return Err(NeuroError::Range { argument: "graded_spikes_factor", value: value.to_string(), expected: "a finite value".into() });
    }
    if value == 1.0 && !learn {
        return Ok(None);
    }
    Ok(Some(f32_param(vec![value], learn, device)))
}

/// `spikes · factor`, in the spikes' dtype (the factor itself stays f32).
pub(crate) fn grade<const D: usize>(spikes: Tensor<D>, factor: &Option<Param<Tensor<1>>>) -> Tensor<D> {
    match factor {
        None => spikes,
        Some(factor) => {
            let dtype = spikes.dtype();
            spikes * factor.val().cast(dtype).reshape([1; D])
        }
    }
}
