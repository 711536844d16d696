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
    if steps == 0 {
        return Err(NeuroError::Shape { argument: "output", actual: output.dims().to_vec(), expected: "[T >= 1, batch, outputs]".into() });
    }
    Ok((steps, batch, outputs / code.population))
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

/// First-spike step of every output neuron, `[B, C]`, with snnTorch's gradient: −1 with
/// respect to the spike at that step (a neuron that never fires is assigned `T − 1`).
pub fn first_spike_time(spikes: Tensor<3>) -> Tensor<2> {
    let [steps, batch, classes] = spikes.dims();
    let device = spikes.device();
    let dtype = spikes.dtype();
    let fired = spikes.clone().detach().greater_elem(0.0).float().cast(dtype);
    // First firing: fired and no firing before.
    let before = fired.clone().cumsum(0) - fired.clone();
    let first = fired * before.equal_elem(0.0).float().cast(dtype);
    let time = Tensor::<1, Int>::arange(0..steps as i64, &device).float().cast(dtype).reshape([steps, 1, 1]).expand([steps, batch, classes]);
    let any = first.clone().sum_dim(0).reshape([batch, classes]);
    let value = (first.clone() * time).sum_dim(0).reshape([batch, classes]) + (any.neg() + 1.0) * (steps as f32 - 1.0);
    let surrogate = (first * spikes).sum_dim(0).reshape([batch, classes]).neg();
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
