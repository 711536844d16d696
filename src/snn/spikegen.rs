//! Spike encodings (`snntorch.spikegen`).

use burn::backend::Dispatch;
use burn::tensor::{FloatDType, Tensor};

use crate::backend::SpikegenOps;
use crate::device::{check_storage_dtype, compute_path};
use crate::error::{NeuroError, Result};
use crate::kernels::spikegen::RateParams;

/// Options of [`rate`] (snnTorch's defaults: gain 1, offset 0, first spike at step 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateOptions {
    pub gain: f32,
    pub offset: f32,
    /// Steps before this one are silent.
    pub first_spike_time: usize,
    /// Seed of the spike trains: the same seed gives the same trains on every device.
    pub seed: u64,
}

impl Default for RateOptions {
    fn default() -> Self {
        RateOptions { gain: 1.0, offset: 0.0, first_spike_time: 0, seed: 0 }
    }
}

/// `rate`: `num_steps` Bernoulli spike trains with probability `clamp(data·gain + offset, 0, 1)`,
/// drawn on the device. `data` is `[...]` (rank `D`); the result is `[num_steps, ...]` (rank
/// `D1 = D + 1`) in `data`'s dtype.
pub fn rate<const D: usize, const D1: usize>(data: Tensor<D>, num_steps: usize, options: RateOptions) -> Result<Tensor<D1>> {
    if D1 != D + 1 {
        return Err(NeuroError::Shape { argument: "data", actual: data.dims().to_vec(), expected: format!("an output rank of {} (one time axis added)", D + 1) });
    }
    if num_steps == 0 {
        return Err(NeuroError::Range { argument: "num_steps", value: "0".into(), expected: "at least 1".into() });
    }
    if !(options.gain.is_finite() && options.offset.is_finite()) {
        return Err(NeuroError::Range { argument: "gain", value: format!("{} (offset {})", options.gain, options.offset), expected: "finite gain and offset".into() });
    }
    let device = data.device();
    compute_path(&device)?;
    let dtype = data.dtype();
    check_storage_dtype(&device, "data", dtype)?;
    let dims = data.dims();
    let neurons: usize = dims.iter().product();
    if num_steps.checked_mul(neurons).is_none_or(|n| n > u32::MAX as usize) {
        return Err(NeuroError::TooLarge { argument: "data", detail: format!("{num_steps} steps × {neurons} values exceed 2^32") });
    }
    let probability = (data.detach().cast(FloatDType::F32) * options.gain + options.offset).clamp(0.0, 1.0).reshape([neurons]);
    let params = RateParams {
        neurons: neurons as u32,
        steps: num_steps as u32,
        first_spike_time: options.first_spike_time.min(u32::MAX as usize) as u32,
        seed_lo: options.seed as u32,
        seed_hi: (options.seed >> 32) as u32,
        _pad0: 0,
        _pad1: 0,
        _pad2: 0,
    };
    let spikes = Tensor::<2>::from_dispatch(Dispatch::spikegen_rate(probability.into_dispatch(), params, dtype));
    let mut out_dims = [0; D1];
    out_dims[0] = num_steps;
    out_dims[1..].copy_from_slice(&dims);
    Ok(spikes.reshape(out_dims))
}

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
