//! snnTorch's spike-train losses and accuracy (`snntorch.functional`), on `Tensor`s.
//!
//! Outputs are `[T, batch, C·population]` (spikes or membranes over time), targets are class
//! indices `[batch]`. With a population code (`population > 1`) each class owns `population`
//! consecutive output neurons whose activity is summed, as snnTorch's `population_code`.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor};

use crate::error::{NeuroError, Result};

/// Options shared by the losses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutputCode {
    /// Output neurons per class (1: none).
    pub population: usize,
}

impl Default for OutputCode {
    fn default() -> Self {
        OutputCode { population: 1 }
    }
}

fn classes_of(output: &Tensor<3>, targets: &Tensor<1, Int>, code: OutputCode) -> Result<(usize, usize, usize)> {
    let [steps, batch, outputs] = output.dims();
    if code.population == 0 || outputs % code.population != 0 {
        return Err(NeuroError::Shape {
            argument: "output",
            actual: output.dims().to_vec(),
            expected: format!("[T, batch, classes·{}] (outputs divisible by the population)", code.population),
        });
    }
    if targets.dims() != [batch] {
        return Err(NeuroError::Shape {
            argument: "targets",
            actual: targets.dims().to_vec(),
            expected: format!("[{batch}] (one class per example)"),
        });
    }
    if steps == 0 || batch == 0 || outputs == 0 {
        return Err(NeuroError::Shape { argument: "output", actual: output.dims().to_vec(), expected: "[T >= 1, batch >= 1, outputs >= 1]".into() });
    }
    crate::device::check_storage_dtype(&output.device(), "output", output.dtype())?;
    // Class indices are never differentiated: an autodiff output may take plain targets.
    if targets.device().without_autodiff() != output.device().without_autodiff() {
        return Err(NeuroError::Device("`targets` is on another device than the output".into()));
    }
    let classes = outputs / code.population;
    // One read of two numbers: a class outside 0..C would panic inside Burn's one-hot, or (when
    // negative) be silently ignored by it.
    let bounds: Vec<i64> = Tensor::cat(vec![targets.clone().min(), targets.clone().max()], 0).into_data().iter::<i64>().collect();
    if let [low, high] = bounds[..] {
        if low < 0 || high >= classes as i64 {
            let value = if low < 0 { low } else { high };
            return Err(NeuroError::Range { argument: "targets", value: value.to_string(), expected: format!("a class in 0..{classes}") });
        }
    }
    Ok((steps, batch, classes))
}

/// Sums each class's population: `[T, B, C·P] → [T, B, C]`.
pub fn population_sum(output: Tensor<3>, population: usize) -> Tensor<3> {
    if population == 1 {
        return output;
    }
    let [steps, batch, outputs] = output.dims();
    output.reshape([steps, batch, outputs / population, population]).sum_dim(3).reshape([steps, batch, outputs / population])
}

/// Mean cross-entropy of `logits [N, C]` against `targets [N]`.
fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let classes = logits.dims()[1];
    let dtype = logits.dtype();
    let one_hot = targets.one_hot::<2>(classes).float().cast(dtype);
    (log_softmax(logits, 1) * one_hot).sum_dim(1).mean().neg()
}

fn repeat_targets(targets: Tensor<1, Int>, steps: usize) -> Tensor<1, Int> {
    let batch = targets.dims()[0];
    targets.unsqueeze_dim::<2>(0).repeat_dim(0, steps).reshape([steps * batch])
}

/// `ce_rate_loss`: cross-entropy of the output at every step, averaged over steps.
pub fn ce_rate_loss(spikes: Tensor<3>, targets: Tensor<1, Int>, code: OutputCode) -> Result<Tensor<1>> {
    let (steps, batch, classes) = classes_of(&spikes, &targets, code)?;
    let logits = population_sum(spikes, code.population).reshape([steps * batch, classes]);
    Ok(cross_entropy(logits, repeat_targets(targets, steps)))
}

/// `ce_count_loss`: cross-entropy of the spike counts.
pub fn ce_count_loss(spikes: Tensor<3>, targets: Tensor<1, Int>, code: OutputCode) -> Result<Tensor<1>> {
    let (_, batch, classes) = classes_of(&spikes, &targets, code)?;
    let counts = population_sum(spikes, code.population).sum_dim(0).reshape([batch, classes]);
    Ok(cross_entropy(counts, targets))
}

/// `mse_count_loss(correct_rate, incorrect_rate)`: mean squared error between spike counts and
/// their targets, divided by T, as snnTorch computes it: the targets are `⌊T·rate·P⌋` spikes (P
/// the population per class, 1 without a population code) and the loss is
/// `MSE(Σ_t spikes, targets) / T`. For T = 100, counts `[70, 30]` and class 0 with rates 0.8 and
/// 0.2 it is `((70 − 80)² + (30 − 20)²) / 2 / 100 = 1`.
pub fn mse_count_loss(spikes: Tensor<3>, targets: Tensor<1, Int>, correct_rate: f32, incorrect_rate: f32, code: OutputCode) -> Result<Tensor<1>> {
    let (steps, batch, classes) = classes_of(&spikes, &targets, code)?;
    for (argument, rate) in [("correct_rate", correct_rate), ("incorrect_rate", incorrect_rate)] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(NeuroError::Range { argument, value: rate.to_string(), expected: "a firing rate in [0, 1]".into() });
        }
    }
    // snnTorch's int(num_steps · rate · population). snnTorch computes it in f64 from the
    // decimal rate; from an f32 rate, f32 arithmetic agrees for the usual rates (0.8, 0.2, 0.7
    // at T = 100, …), but where T·rate lands within f32 rounding below an integer it can count
    // one more (0.29 at T = 100: 29 here, 28 in snnTorch).
    let population = code.population as f32;
    let on = (steps as f32 * correct_rate * population).floor();
    let off = (steps as f32 * incorrect_rate * population).floor();
    let counts = population_sum(spikes, code.population).sum_dim(0).reshape([batch, classes]);
    let one_hot = targets.one_hot::<2>(classes).float().cast(counts.dtype());
    let goal = one_hot.clone() * (on - off) + off;
    Ok((counts - goal).powi_scalar(2).mean().div_scalar(steps as f32))
}

/// `mse_membrane_loss(on_target, off_target)`: mean squared error of the membrane against
/// `on_target` for the correct class and `off_target` for the others, averaged over steps.
pub fn mse_membrane_loss(membrane: Tensor<3>, targets: Tensor<1, Int>, on_target: f32, off_target: f32, code: OutputCode) -> Result<Tensor<1>> {
    let (steps, batch, classes) = classes_of(&membrane, &targets, code)?;
    let membrane = population_sum(membrane, code.population);
    let one_hot = targets.one_hot::<2>(classes).float().cast(membrane.dtype());
    let goal = (one_hot * (on_target - off_target) + off_target).unsqueeze_dim::<3>(0).expand([steps, batch, classes]);
    Ok((membrane - goal).powi_scalar(2).mean())
}

/// First-spike step of every output neuron, `[B, C]`, as snnTorch's `FirstSpike`: a neuron
/// that never fires is assigned `T − 1`, and the gradient is −1 with respect to the spike at
/// that step (at `T − 1` also for a neuron that never fired, as there).
pub fn first_spike_time(spikes: Tensor<3>) -> Tensor<2> {
    let [steps, batch, classes] = spikes.dims();
    let device = spikes.device();
    let dtype = spikes.dtype();
    let fired = spikes.clone().detach().not_equal_elem(0.0).float().cast(dtype);
    // First firing: fired and no firing before.
    let before = fired.clone().cumsum(0) - fired.clone();
    let first = fired * before.equal_elem(0.0).float().cast(dtype);
    let time = Tensor::<1, Int>::arange(0..steps as i64, &device).float().cast(dtype).reshape([steps, 1, 1]).expand([steps, batch, classes]);
    let any = first.clone().sum_dim(0).reshape([batch, classes]);
    let silent = any.neg() + 1.0;
    let value = (first.clone() * time.clone()).sum_dim(0).reshape([batch, classes]) + silent.clone() * (steps as f32 - 1.0);
    // The step the gradient lands on: the first spike, or the last step for a silent neuron.
    let last = time.equal_elem(steps as f32 - 1.0).float().cast(dtype);
    let selected = first + last * silent.unsqueeze_dim::<3>(0);
    let surrogate = (selected * spikes).sum_dim(0).reshape([batch, classes]).neg();
    value.detach() + surrogate.clone() - surrogate.detach()
}

/// `ce_temporal_loss(inverse = "negate")`: cross-entropy on the negated first-spike times, so
/// the correct class is pushed to fire first.
pub fn ce_temporal_loss(spikes: Tensor<3>, targets: Tensor<1, Int>, code: OutputCode) -> Result<Tensor<1>> {
    classes_of(&spikes, &targets, code)?;
    let spikes = population_sum(spikes, code.population);
    Ok(cross_entropy(first_spike_time(spikes).neg(), targets))
}

/// `accuracy_rate`: fraction of examples whose most active class (summed spikes; ties to the
/// lowest index) is the target.
pub fn accuracy_rate(spikes: Tensor<3>, targets: Tensor<1, Int>, code: OutputCode) -> Result<f32> {
    let (_, batch, classes) = classes_of(&spikes, &targets, code)?;
    let counts = population_sum(spikes, code.population).sum_dim(0).reshape([batch, classes]);
    let predicted = counts.argmax(1).reshape([batch]);
    let right = predicted.equal(targets).int().sum().into_data().iter::<i64>().next().unwrap_or(0);
    Ok(right as f32 / batch as f32)
}

/// `ce_max_membrane_loss`: cross-entropy of each output neuron's largest membrane over time,
/// `mean_b −log softmax(max_t U[t, b, :])[y_b]` (not divided by T). The gradient reaches each
/// neuron's first step at its maximum, as `torch.max` routes it.
pub fn ce_max_membrane_loss(membrane: Tensor<3>, targets: Tensor<1, Int>, code: OutputCode) -> Result<Tensor<1>> {
    let (_, batch, classes) = classes_of(&membrane, &targets, code)?;
    let peak = population_sum(membrane, code.population).max_dim(0).reshape([batch, classes]);
    Ok(cross_entropy(peak, targets))
}

/// Targets of [`mse_temporal_loss`] (snnTorch's defaults: on 0, off −1, no tolerance).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemporalTargets {
    /// Spike time of the correct class; negative counts back from T (−1 is the last step).
    pub on_target: f32,
    /// Spike time of the other classes; negative counts back from T.
    pub off_target: f32,
    /// A spike time closer to its target than this (strictly) counts as on target: no loss,
    /// no gradient. 0 turns it off.
    pub tolerance: f32,
}

impl Default for TemporalTargets {
    fn default() -> Self {
        TemporalTargets { on_target: 0.0, off_target: -1.0, tolerance: 0.0 }
    }
}

/// `mse_temporal_loss`: mean squared error between first-spike times and target times, both
/// divided by T: `mean_{b,c} ((t_first − t_target) / T)²` (see [`first_spike_time`] for the
/// time of a silent neuron and the gradient).
///
/// The target times are snnTorch 1.0's, quirk included: with `on_target > off_target` it
/// computes `max(one_hot·on, off)`, so a negative `off_target` makes every other class's target
/// 0, not `T + off` — with the defaults (on 0, off −1) every neuron's target is step 0. Give
/// `off_target ≥ on_target` (e.g. on 0, off T − 1, or on 1, off 3) for the targets the
/// arguments' names suggest. Negative targets then count back from T.
pub fn mse_temporal_loss(spikes: Tensor<3>, targets: Tensor<1, Int>, options: TemporalTargets) -> Result<Tensor<1>> {
    let (steps, _, classes) = classes_of(&spikes, &targets, OutputCode::default())?;
    let TemporalTargets { on_target, off_target, tolerance } = options;
    for (argument, value) in [("on_target", on_target), ("off_target", off_target), ("tolerance", tolerance)] {
        if !value.is_finite() {
            return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a finite time".into() });
        }
    }
    if tolerance < 0.0 {
        return Err(NeuroError::Range { argument: "tolerance", value: tolerance.to_string(), expected: "a non-negative time".into() });
    }
    let dtype = spikes.dtype();
    let one_hot = targets.one_hot::<2>(classes).float().cast(dtype);
    let goal = if on_target > off_target {
        (one_hot * on_target).clamp_min(off_target)
    } else {
        one_hot.clone() * on_target + (one_hot.neg() + 1.0) * off_target
    };
    // Negative targets count back from T.
    let goal = goal.clone() + goal.lower_elem(0.0).float().cast(dtype) * steps as f32;
    let mut time = first_spike_time(spikes);
    if tolerance > 0.0 {
        // Within tolerance the time becomes the target itself: zero loss and zero gradient.
        let near = (time.clone().detach() - goal.clone()).abs().lower_elem(tolerance);
        time = time.mask_where(near, goal.clone());
    }
    Ok(((time - goal) / steps as f32).powi_scalar(2).mean())
}

/// `accuracy_temporal`: fraction of examples whose earliest-firing output neuron (first-spike
/// time, `T − 1` for a silent neuron; ties to the lowest index, so an all-silent example
/// predicts class 0) is the target.
pub fn accuracy_temporal(spikes: Tensor<3>, targets: Tensor<1, Int>) -> Result<f32> {
    let (_, batch, classes) = classes_of(&spikes, &targets, OutputCode::default())?;
    // Times are whole steps: time·C + c is unique per neuron, so the minimum breaks ties to
    // the lowest index on every backend.
    let device = spikes.device();
    let index = Tensor::<1, Int>::arange(0..classes as i64, &device).float().cast(burn::tensor::FloatDType::F32).reshape([1, classes]);
    let score = first_spike_time(spikes.detach()).cast(burn::tensor::FloatDType::F32) * classes as f32 + index;
    let predicted = score.argmin(1).reshape([batch]);
    let right = predicted.equal(targets).int().sum().into_data().iter::<i64>().next().unwrap_or(0);
    Ok(right as f32 / batch as f32)
}

/// `l1_rate_sparsity(Lambda)`: `λ·Σ spikes` over every element (a sum, not a mean; no absolute
/// value, as snnTorch), a penalty on total activity to add to the loss. snnTorch's default
/// λ is 1e-5.
pub fn l1_rate_sparsity<const D: usize>(spikes: Tensor<D>, lambda: f32) -> Result<Tensor<1>> {
    if !lambda.is_finite() {
        return Err(NeuroError::Range { argument: "lambda", value: lambda.to_string(), expected: "a finite weight".into() });
    }
    Ok(spikes.sum() * lambda)
}
