//! What hardware-aware training shares between the analog layers: the weight-noise modifier,
//! a fresh crossbar realisation per call, and the straight-through combination of the analog
//! value with an ideal gradient.

use burn::tensor::{Distribution, Tensor};

use super::config::CrossbarConfig;
use crate::error::{NeuroError, Result};

/// Checks the weight-noise modifier's σ.
pub(crate) fn check_weight_noise(sigma: f32) -> Result<()> {
    if sigma >= 0.0 && sigma.is_finite() {
        Ok(())
    } else {
        Err(NeuroError::Range { argument: "training_weight_noise", value: sigma.to_string(), expected: "a standard deviation >= 0".into() })
    }
}

/// aihwkit's `ADD_NORMAL` modifier: `W + σ·max|W|·ξ` while the weights train (the noise itself
/// carries no gradient); `W` unchanged otherwise.
pub(crate) fn perturbed<const D: usize>(weight: Tensor<D>, sigma: f32) -> Tensor<D> {
    if sigma <= 0.0 || !weight.is_require_grad() {
        return weight;
    }
    let scale = weight.clone().abs().max().detach().reshape([1; D]) * sigma;
    let noise = Tensor::<D>::random(weight.dims(), Distribution::Normal(0.0, 1.0), &weight.device());
    weight + (noise * scale).detach()
}

/// The crossbar for forward call `call`: a new realisation of programming noise, variation and
/// faults each time, reproducible from the configured seed.
pub(crate) fn realisation(crossbar: &CrossbarConfig, call: u64) -> CrossbarConfig {
    crossbar.clone().with_seed(crossbar.seed ^ call.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The analog value with the ideal computation's gradient added: `analog + ideal − ideal`,
/// where the caller decides which inputs of `analog` and `ideal` are detached.
pub(crate) fn straight_through<const D: usize>(analog: Tensor<D>, ideal: Tensor<D>) -> Tensor<D> {
    analog + ideal.clone() - ideal.detach()
}
