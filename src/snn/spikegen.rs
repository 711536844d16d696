//! Spike encodings (`snntorch.spikegen`).

use burn::backend::Dispatch;
use burn::tensor::{Distribution, FloatDType, Tensor};

use crate::backend::SpikegenOps;
use crate::device::{check_storage_dtype, compute_path, max_binding_bytes};
use crate::error::{NeuroError, Result};
use crate::kernels::spikegen::RateParams;

/// Options of [`rate`] (snnTorch's defaults: gain 1, offset 0, first spike at step 0, fresh
/// noise on every call).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateOptions {
    /// Multiplies the input before it is used as a firing probability.
    pub gain: f32,
    /// Added to the scaled input.
    pub offset: f32,
    /// Steps before this one are silent.
    pub first_spike_time: usize,
    /// `None` (the default): every call draws new spike trains, as snnTorch's `rate` does,
    /// keyed by three uniforms the device's random generator draws on the device (no host
    /// read), so `device.seed(s)` (the counterpart of `torch.manual_seed(s)`) makes a whole
    /// run reproducible. `Some(seed)`:
    /// the same trains on every call and every device (one fixed pattern per input).
    pub seed: Option<u64>,
}

impl Default for RateOptions {
    fn default() -> Self {
        RateOptions { gain: 1.0, offset: 0.0, first_spike_time: 0, seed: None }
    }
}

/// `rate`: `num_steps` Bernoulli spike trains with probability `clamp(data·gain + offset, 0, 1)`,
/// drawn on the device. `data` is `[...]` (rank `D`); the result is `[num_steps, ...]` (rank
/// `D1 = D + 1`) in `data`'s dtype. A NaN probability never fires; ±∞ clamps like any value.
///
/// With the default options every call draws new trains (see [`RateOptions::seed`]):
///
/// ```
/// # use burn::tensor::{Device, Tensor};
/// # use burn_neuro::snn::spikegen::{RateOptions, rate};
/// let device = Device::flex();
/// device.seed(42); // as torch.manual_seed(42): the run repeats, each call differs
/// let pixels = Tensor::<2>::full([4, 784], 0.5, &device);
/// let first: Tensor<3> = rate(pixels.clone(), 25, RateOptions::default())?;
/// let second: Tensor<3> = rate(pixels, 25, RateOptions::default())?;
/// assert!(!first.equal(second).all().into_scalar::<bool>());
/// # Ok::<(), burn_neuro::NeuroError>(())
/// ```
pub fn rate<const D: usize, const D1: usize>(data: Tensor<D>, num_steps: usize, options: RateOptions) -> Result<Tensor<D1>> {
    if D1 != D + 1 {
        return Err(NeuroError::Shape {
            argument: "data",
            actual: data.dims().to_vec(),
            expected: format!("an output rank of {} (one time axis added)", D + 1),
        });
    }
    if data.dims().contains(&0) {
        return Err(NeuroError::Shape { argument: "data", actual: data.dims().to_vec(), expected: "no empty dimension".into() });
    }
    if num_steps == 0 {
        return Err(NeuroError::Range { argument: "num_steps", value: "0".into(), expected: "at least 1".into() });
    }
    for (argument, value) in [("gain", options.gain), ("offset", options.offset)] {
        if !value.is_finite() {
            return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a finite value".into() });
        }
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
    check_spike_train_size(&device, num_steps, neurons, dtype.size())?;
    // A NaN probability never fires (made 0 here: a GPU's clamp may turn NaN into either bound).
    let scaled = data.detach().cast(FloatDType::F32) * options.gain + options.offset;
    let probability = scaled.clone().mask_fill(scaled.is_nan(), 0.0).clamp(0.0, 1.0).reshape([neurons]);
    // Without a seed the kernel keys its draws by three uniforms the device's generator draws
    // (seeded by `Device::seed`), appended to the probabilities: new trains every call, no
    // host round trip.
    let (seed, probability) = match options.seed {
        Some(seed) => (Some(seed), probability),
        None => {
            let draws = Tensor::<1>::random([3], Distribution::Default, &device).cast(FloatDType::F32);
            (None, Tensor::cat(vec![probability, draws], 0))
        }
    };
    let params = RateParams {
        neurons: neurons as u32,
        steps: num_steps as u32,
        first_spike_time: options.first_spike_time.min(u32::MAX as usize) as u32,
        seed_lo: seed.unwrap_or(0) as u32,
        seed_hi: (seed.unwrap_or(0) >> 32) as u32,
        seed_from_draws: u32::from(seed.is_none()),
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
    // f16 on an adapter without SHADER_F16 would fail inside the driver, not here.
    check_storage_dtype(&data.device(), "data", data.dtype())?;
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

/// Options of [`latency`] (snnTorch's defaults: threshold 0.01, τ = 1, ε = 1e-7, logarithmic,
/// no normalisation, no clipping, first spike at step 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyOptions {
    /// θ of the RC code: inputs at or below it take the latest spike time (none with `clip`).
    pub threshold: f32,
    /// Time constant τ: spike times scale with it in both codes.
    pub tau: f32,
    /// The log code floors inputs at θ + ε, so an input at the threshold gets a finite time.
    pub epsilon: f32,
    /// Linear code `t = τ·(1 − x)` instead of the RC charging time `t = τ·ln(x / (x − θ))`.
    pub linear: bool,
    /// Stretch the spike times so the latest lands on the last step.
    pub normalize: bool,
    /// Silence inputs below the threshold (otherwise they fire at the latest time).
    pub clip: bool,
    /// Shift the spike times so the earliest is at this step.
    pub first_spike_time: usize,
}

impl Default for LatencyOptions {
    fn default() -> Self {
        LatencyOptions { threshold: 0.01, tau: 1.0, epsilon: 1e-7, linear: false, normalize: false, clip: false, first_spike_time: 0 }
    }
}

/// `latency`: one spike per input, the larger the input the earlier (snnTorch's
/// `spikegen.latency`). `data` is `[...]` (rank `D`); the result is `[num_steps, ...]` (rank
/// `D1 = D + 1`). Spike times are rounded half to even; as in snnTorch, when any time falls
/// beyond the last step the times are clamped and the last step is silenced. A NaN or infinite
/// input never spikes and leaves the others' times (and the normalisation) as they would be
/// without it.
pub fn latency<const D: usize, const D1: usize>(data: Tensor<D>, num_steps: usize, options: LatencyOptions) -> Result<Tensor<D1>> {
    if D1 != D + 1 {
        return Err(NeuroError::Shape {
            argument: "data",
            actual: data.dims().to_vec(),
            expected: format!("an output rank of {} (one time axis added)", D + 1),
        });
    }
    if data.dims().contains(&0) {
        return Err(NeuroError::Shape { argument: "data", actual: data.dims().to_vec(), expected: "no empty dimension".into() });
    }
    check_storage_dtype(&data.device(), "data", data.dtype())?;
    if num_steps == 0 {
        return Err(NeuroError::Range { argument: "num_steps", value: "0".into(), expected: "at least 1".into() });
    }
    if !(options.threshold > 0.0 && options.threshold < 1.0) {
        return Err(NeuroError::Range { argument: "threshold", value: options.threshold.to_string(), expected: "a value in (0, 1)".into() });
    }
    if !(options.tau > 0.0 && options.tau.is_finite()) {
        return Err(NeuroError::Range { argument: "tau", value: options.tau.to_string(), expected: "a positive time constant".into() });
    }
    if options.first_spike_time > num_steps - 1 {
        return Err(NeuroError::Range {
            argument: "first_spike_time",
            value: options.first_spike_time.to_string(),
            expected: format!("at most num_steps − 1 = {}", num_steps - 1),
        });
    }
    let dims = data.dims();
    let dtype = data.dtype();
    // The spike grid is built in f32 before the cast back.
    check_spike_train_size(&data.device(), num_steps, dims.iter().product(), 4)?;
    let x = data.detach().cast(FloatDType::F32);
    let below = x.clone().lower_elem(options.threshold);
    // A non-finite input never spikes and must not move the others' times: its time is NaN,
    // which the normalising reductions skip (`finite_min`, `finite_max`), and it is silenced
    // at the end (a −∞ would otherwise clamp to the latest time, +∞ to NaN or −∞).
    let silent = x.clone().is_finite().bool_not();
    let (last, first) = ((num_steps - 1) as f32, options.first_spike_time as f32);
    let mut time = if options.linear {
        let tau = if options.normalize { last - first } else { options.tau };
        let t = ((x.clone() - 1.0).mul_scalar(-tau).clamp_max(-tau * (options.threshold - 1.0)) + first).mask_fill(silent.clone(), f32::NAN);
        if options.normalize {
            // Inputs above 1 give negative times: rescale all times onto [0, T − 1].
            let (lo, hi) = (finite_min(&t), finite_max(&t));
            let negative = lo.clone().lower_elem(0.0).float();
            let rescaled = (t.clone() - lo.clone().unsqueeze()) / (hi - lo).clamp_min(f32::MIN_POSITIVE).unsqueeze() * last;
            rescaled * negative.clone().unsqueeze() + t * (negative.neg() + 1.0).unsqueeze()
        } else {
            t
        }
    } else {
        let clamped = x.clamp_min(options.threshold + options.epsilon);
        let mut t = (clamped.clone() / (clamped - options.threshold)).log() * options.tau;
        t = (t + first).mask_fill(silent.clone(), f32::NAN);
        if options.normalize {
            let span = finite_max(&(t.clone() - first)).clamp_min(f32::MIN_POSITIVE).unsqueeze();
            t = (t - first) * (last - first) / span + first;
        }
        t
    };
    time = time.round();
    // Past the last step: clamp, and silence the last step (snnTorch's behaviour).
    let overflow = finite_max(&time).greater_elem(last).float();
    // −1 matches no step (a GPU's clamp could turn NaN into the last step).
    time = time.clamp_max(last).mask_fill(silent, -1.0);
    let device = time.device();
    let steps = Tensor::<1, burn::tensor::Int>::arange(0..num_steps as i64, &device).float();
    let mut shape = [1; D1];
    shape[0] = num_steps;
    let grid = steps.reshape(shape);
    let mut full = [0; D1];
    full[0] = num_steps;
    full[1..].copy_from_slice(&dims);
    let mut spikes = time.unsqueeze_dim::<D1>(0).equal(grid.clone().expand(full)).float();
    // Every step but the last, and the last one too unless a time overflowed.
    let keep_last = grid.clone().lower_elem(last).float() + (overflow.neg() + 1.0).reshape([1; D1]) * grid.equal_elem(last).float();
    spikes = spikes * keep_last;
    if options.clip {
        spikes = spikes * below.bool_not().float().unsqueeze_dim::<D1>(0);
    }
    Ok(spikes.cast(dtype))
}

/// Refuses `num_steps × neurons` values of `bytes` each beyond the adapter's binding limit, with
/// the crate's `TooLarge` error naming `data`, before Burn or the kernel would panic allocating.
fn check_spike_train_size(device: &burn::tensor::Device, num_steps: usize, neurons: usize, bytes: usize) -> Result<()> {
    let Some(limit) = max_binding_bytes(device) else { return Ok(()) };
    let needed = (num_steps as u64).saturating_mul(neurons as u64).saturating_mul(bytes as u64);
    if needed > limit {
        return Err(NeuroError::TooLarge {
            argument: "data",
            detail: format!("{num_steps} steps of {neurons} values need a {needed}-byte buffer, over this adapter's {limit}-byte binding limit"),
        });
    }
    Ok(())
}

/// Largest finite value (−f32::MAX if none): a non-finite input never spikes and must not
/// move the others' times (the non-finite policy), where a plain `max` would make them all NaN.
fn finite_max<const D: usize>(t: &Tensor<D>) -> Tensor<1> {
    t.clone().mask_fill(t.clone().is_finite().bool_not(), -f32::MAX).max()
}

/// Smallest finite value (f32::MAX if none); see [`finite_max`].
fn finite_min<const D: usize>(t: &Tensor<D>) -> Tensor<1> {
    t.clone().mask_fill(t.clone().is_finite().bool_not(), f32::MAX).min()
}
