//! Data-parallel training on several devices with Burn's multi-device optimizer step: each
//! device takes a contiguous share of the batch, runs forward and backward on a fork of the
//! model, and `ModuleOptimizer::step_multi` sums the gradients (each parameter on a device of
//! its own, the same one every step) and updates there.
//!
//! Every share's loss is scaled by its share of the batch, so the summed gradient is the
//! gradient of the whole batch's mean loss: the update equals the one-device update up to
//! floating-point summation order.

use burn::module::{Module, ModuleVisitor, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, MultiGradientsParams};
use burn::tensor::{Device, Int, Tensor};

use super::data::Dataset;
use super::model::SpikingClassifier;
use super::run::{TrainSettings, batch_tensors, correct_count};
use super::step::{BatchStep, StepGrads, batch_loss, scalar};

/// `indices` in `parts` contiguous shares whose sizes differ by at most one (the first ones
/// larger); empty shares are left out, so a short last batch uses fewer devices.
pub fn split_batch(indices: &[usize], parts: usize) -> Vec<&[usize]> {
    let parts = parts.max(1);
    let (base, extra) = (indices.len() / parts, indices.len() % parts);
    let mut shares = Vec::with_capacity(parts);
    let mut start = 0;
    for part in 0..parts {
        let len = base + usize::from(part < extra);
        if len > 0 {
            shares.push(&indices[start..start + len]);
        }
        start += len;
    }
    shares
}

struct Gather<'a> {
    grads: &'a mut MultiGradientsParams,
    device: &'a Device,
    gathered: GradientsParams,
}

impl ModuleVisitor for Gather<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let mut sum: Option<Tensor<D>> = None;
        for (grads, _) in self.grads.grads.iter_mut() {
            if let Some(grad) = grads.remove::<D>(param.id) {
                let grad = grad.to_device(self.device);
                sum = Some(match sum.take() {
                    Some(total) => total + grad,
                    None => grad,
                });
            }
        }
        if let Some(sum) = sum {
            self.gathered.register::<D>(param.id, sum);
        }
    }
}

/// Every device's gradients summed on `device`, for what needs all of them in one place (the
/// global gradient-norm clip).
pub fn gather_grads<M: Module>(mut grads: MultiGradientsParams, model: &M, device: &Device) -> GradientsParams {
    let mut gather = Gather { grads: &mut grads, device, gathered: GradientsParams::new() };
    model.visit(&mut gather);
    gather.gathered
}

/// One device's part of a data-parallel step, still queued on its device.
struct Share {
    grads: GradientsParams,
    loss: Tensor<1>,
    right: Tensor<1, Int>,
}

/// Forward and backward of `share` of a `batch`-example batch on `replica` (on `device`), the
/// loss scaled by the share's part of the batch. Reads nothing back, so a GPU's work stays
/// queued while the next share is recorded.
fn share_step<M: SpikingClassifier>(
    replica: M,
    data: &Dataset,
    share: &[usize],
    batch: usize,
    settings: &TrainSettings,
    device: &Device,
) -> Result<Share, String> {
    let (images, labels) = batch_tensors(data, share, device);
    let out = replica.forward(images, settings.steps, settings.dtype());
    let loss = batch_loss(&out, labels.clone(), settings, &CrossEntropyLossConfig::new().init(device))? * (share.len() as f32 / batch as f32);
    let right = correct_count(&out, replica.readout(), labels);
    let grads = GradientsParams::from_grads(loss.backward(), &replica);
    Ok(Share { grads, loss: loss.detach(), right })
}

/// One batch split across `devices`. The shares are recorded one after another from this
/// thread and read back only when all are queued, so devices that execute asynchronously (GPUs)
/// work at once; every tensor of a device stays on the one thread (Burn's lazy streams are
/// per thread, and a stream left behind by a finished thread is not something to rely on).
pub(super) fn parallel_step<M: SpikingClassifier>(
    model: &M,
    data: &Dataset,
    indices: &[usize],
    settings: &TrainSettings,
    devices: &[Device],
) -> Result<BatchStep, String> {
    let shares = split_batch(indices, devices.len());
    let mut queued = Vec::with_capacity(shares.len());
    for (share, device) in shares.iter().zip(devices) {
        let replica = model.clone().fork(device);
        queued.push((share_step(replica, data, share, indices.len(), settings, device)?, device.clone()));
    }
    let (mut grads, mut loss, mut right) = (MultiGradientsParams::default(), 0.0, 0);
    for (share, device) in queued {
        loss += scalar(&share.loss);
        right += share.right.into_data().iter::<i64>().next().unwrap_or(0) as usize;
        grads.grads.push((share.grads, device));
    }
    Ok(BatchStep { grads: StepGrads::Several(grads), loss, right, held_for_backward_bytes: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_the_batch_in_order() {
        let indices: Vec<usize> = (10..17).collect();
        let shares = split_batch(&indices, 3);
        assert_eq!(shares, vec![&[10, 11, 12][..], &[13, 14], &[15, 16]]);
        assert_eq!(split_batch(&indices[..1], 2), vec![&[10][..]]);
        assert_eq!(split_batch(&indices, 1), vec![&indices[..]]);
        assert!(split_batch(&[], 2).is_empty());
    }
}
