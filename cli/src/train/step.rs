//! One optimizer step of the training loop: forward, loss and backward on one device or split
//! across several (see [`super::parallel`]), the clips, the update.

use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::{GradientsParams, ModuleOptimizer, MultiGradientsParams};
use burn::tensor::{DType, Device, Int, Tensor};

use super::clip::{clip_grad_norm, clip_weights};
use super::data::Dataset;
use super::model::{SpikingClassifier, SpikingOutput};
use super::parallel::{gather_grads, parallel_step};
use super::run::{LossKind, TrainSettings, batch_tensors, correct};
use burn_neuro::snn::loss::{OutputCode, ce_rate_loss, mse_count_loss};

/// The training loss of one batch (or one device's share of it) under `settings.loss`.
pub(super) fn batch_loss(
    out: &SpikingOutput,
    labels: Tensor<1, Int>,
    settings: &TrainSettings,
    loss_fn: &CrossEntropyLoss,
) -> Result<Tensor<1>, String> {
    let (steps, batch) = (settings.steps, labels.dims()[0]);
    match settings.loss {
        LossKind::MembraneCe => {
            // Σ_t CE(U[t], y): the mean over the T·B stacked steps times T.
            let classes = out.spikes.dims()[2];
            let logits = out.membrane.clone().reshape([steps * batch, classes]).cast(DType::F32);
            let targets = labels.unsqueeze_dim::<2>(0).repeat_dim(0, steps).reshape([steps * batch]);
            Ok(loss_fn.forward(logits, targets) * steps as f32)
        }
        LossKind::MseCount { correct_rate, incorrect_rate } => {
            mse_count_loss(out.spikes.clone().cast(DType::F32), labels, correct_rate, incorrect_rate, OutputCode::default())
                .map_err(|e| format!("the loss: {e}"))
        }
        LossKind::CeRate => ce_rate_loss(out.spikes.clone().cast(DType::F32), labels, OutputCode::default()).map_err(|e| format!("the loss: {e}")),
    }
}

/// The gradients of one optimizer step: from one device, or one set per device.
pub(super) enum StepGrads {
    One(GradientsParams),
    Several(MultiGradientsParams),
}

/// What one batch's forward and backward produced.
pub(super) struct BatchStep {
    pub(super) grads: StepGrads,
    /// The batch's mean loss.
    pub(super) loss: f64,
    /// Correct predictions in the batch (before the update).
    pub(super) right: usize,
    pub(super) held_for_backward_bytes: Option<u64>,
}

fn single_step<M: SpikingClassifier>(
    model: &M,
    data: &Dataset,
    indices: &[usize],
    settings: &TrainSettings,
    device: &Device,
    measure_memory: bool,
) -> Result<BatchStep, String> {
    let (images, labels) = batch_tensors(data, indices, device);
    let before = if measure_memory { burn_neuro::device::bytes_in_use(device) } else { None };
    let out = model.forward(images, settings.steps, settings.dtype());
    let loss = batch_loss(&out, labels.clone(), settings, &CrossEntropyLossConfig::new().init(device))?;
    let held_for_backward_bytes = before.and_then(|before| burn_neuro::device::bytes_in_use(device).map(|after| after.saturating_sub(before)));
    let value = scalar(&loss);
    let grads = GradientsParams::from_grads(loss.backward(), model);
    let right = correct(&out, model.readout(), labels);
    Ok(BatchStep { grads: StepGrads::One(grads), loss: value, right, held_for_backward_bytes })
}

/// What one optimizer step saw.
pub struct StepReport {
    /// The batch's mean loss (before the update).
    pub loss: f64,
    /// Correct predictions in the batch (before the update).
    pub right: usize,
    /// Device memory the forward pass held for the backward (when measured and reported).
    pub held_for_backward_bytes: Option<u64>,
}

/// One optimizer step on the examples `indices` of `data`: forward and backward (split across
/// `devices` when there are several), the clips of `settings`, the update at `learning_rate`,
/// then the model's `after_step`. A non-finite loss is an error naming `position` (the model
/// is not updated then).
pub fn optimizer_step<M: SpikingClassifier>(
    model: M,
    optimizer: &mut ModuleOptimizer,
    data: &Dataset,
    indices: &[usize],
    settings: &TrainSettings,
    devices: &[Device],
    learning_rate: f64,
    measure_memory: bool,
    position: &str,
) -> Result<(M, StepReport), String> {
    let device = devices.first().ok_or("training needs at least one device")?;
    let step = if devices.len() > 1 {
        parallel_step(&model, data, indices, settings, devices)?
    } else {
        single_step(&model, data, indices, settings, device, measure_memory)?
    };
    if !step.loss.is_finite() {
        return Err(format!("training diverged at {position}: loss {}", step.loss));
    }
    let mut model = model;
    if let Some(limit) = settings.weight_clip {
        model = clip_weights(model, limit);
    }
    let model = match step.grads {
        StepGrads::One(grads) => {
            let grads = match settings.grad_clip {
                Some(max_norm) => clip_grad_norm(grads, &model, max_norm),
                None => grads,
            };
            optimizer.step(learning_rate, model, grads)
        }
        StepGrads::Several(grads) => match settings.grad_clip {
            Some(max_norm) => {
                let grads = clip_grad_norm(gather_grads(grads, &model, device), &model, max_norm);
                optimizer.step(learning_rate, model, grads)
            }
            None => optimizer.step_multi(learning_rate, model, grads),
        },
    }
    .after_step();
    Ok((model, StepReport { loss: step.loss, right: step.right, held_for_backward_bytes: step.held_for_backward_bytes }))
}

pub(super) fn scalar(loss: &Tensor<1>) -> f64 {
    loss.clone().into_data().iter::<f32>().next().unwrap_or(f32::NAN) as f64
}
