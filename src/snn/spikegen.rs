//! Spike encodings (`snntorch.spikegen`).

use burn::tensor::Tensor;

use crate::error::{NeuroError, Result};

/// `delta`: a spike where the signal rises by at least `threshold` from the previous step
/// (`data` is `[T, ...]`); with `off_spike`, −1 where it falls by at least `threshold`. Without
/// `padding` the step before the first is 0, with it the first step itself (no spike there).
pub fn delta<const D: usize>(data: Tensor<D>, threshold: f32, padding: bool, off_spike: bool) -> Result<Tensor<D>> {
    let dims = data.dims();
    if dims[0] == 0 {
        return Err(NeuroError::Shape { argument: "data", actual: dims.to_vec(), expected: "[T >= 1, ...]".into() });
    }
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(NeuroError::Range { argument: "threshold", value: threshold.to_string(), expected: "a positive change".into() });
    }
    let steps = dims[0];
    let first = data.clone().slice([0..1]);
    let start = if padding { first } else { first.zeros_like() };
    let previous = if steps > 1 { Tensor::cat(vec![start, data.clone().slice([0..steps - 1])], 0) } else { start };
    let change = data.clone() - previous;
    let dtype = data.dtype();
    let on = change.clone().greater_equal_elem(threshold).float().cast(dtype);
    Ok(if off_spike { on - change.lower_equal_elem(-threshold).float().cast(dtype) } else { on })
}
