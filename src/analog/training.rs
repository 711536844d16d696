//! What hardware-aware and on-chip training share between the analog layers: the weight-noise
//! modifier, a fresh crossbar realisation per call, the straight-through combination of the
//! analog value with ideal gradients, and the quantization of the weight update's inputs.

use burn::backend::Dispatch;
use burn::tensor::{Distribution, Tensor};
use serde::{Deserialize, Serialize};

use super::config::CrossbarConfig;
use super::crossbar::ProgrammedCrossbar;
use crate::backend::UpdateQuantizeOps;
use crate::error::{NeuroError, Result};

/// aihwkit's update quantization (`MixedPrecisionCompound`'s `n_x_bins`, `n_d_bins`): the
/// weight gradient `xᵀ·d` is formed from each sample's input `x` and output error `d` rounded
/// onto this many levels across their absolute maximum (round half to even; 0 keeps them
/// exact). The forward and the input gradient are unaffected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UpdateQuantization {
    /// Levels of each input vector (aihwkit `n_x_bins`; 0: off).
    pub x_bins: u32,
    /// Levels of each output error vector (aihwkit `n_d_bins`; 0: off).
    pub d_bins: u32,
}

impl UpdateQuantization {
    /// Whether the weight gradient is exact (neither bin count set).
    pub fn is_off(&self) -> bool {
        self.x_bins == 0 && self.d_bins == 0
    }

    /// `x·W` for the weight gradient only: `x` (detached by the caller) and the error arriving
    /// at the product quantized per row as configured.
    pub(crate) fn weight_path(&self, x: Tensor<2>, weight: Tensor<2>) -> Tensor<2> {
        let x = if self.x_bins > 0 {
            Tensor::from_dispatch(crate::backend::update_quantize::quantize_rows::<Dispatch>(x.into_dispatch(), self.x_bins))
        } else {
            x
        };
        let y = x.matmul(weight);
        if self.d_bins > 0 { Tensor::from_dispatch(Dispatch::update_quantize(y.into_dispatch(), self.d_bins)) } else { y }
    }
}

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

/// The analog value with the gradients of `paths` added: `analog + Σ (path − path.detached)`,
/// where the caller decides which inputs of `analog` and of each path are detached.
pub(crate) fn straight_through<const D: usize>(analog: Tensor<D>, paths: impl IntoIterator<Item = Tensor<D>>) -> Tensor<D> {
    paths.into_iter().fold(analog, |y, path| y + path.clone() - path.detach())
}

/// The one chip an analog layer reads outside training (weights off autodiff, as
/// `Module::valid` gives): programmed from the layer's weights at the first such forward, with
/// the crossbar's own seed, and kept while the weight parameter, its device and the crossbar
/// configuration stay the same (`to_device`, a record with other parameters or a changed
/// `crossbar.seed` program a new one); `reprogram` forces it. Read noise stays fresh per read,
/// as on a real chip. A clone starts without a chip, so every `valid()` copy programs the
/// weights it was made from.
#[derive(Debug, Default)]
pub(crate) struct EvalChip(std::sync::Mutex<Option<(ChipKey, ProgrammedCrossbar)>>);

/// What a kept chip was programmed from: the weight parameter, its device and the crossbar.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChipKey {
    pub(crate) weight: burn::module::ParamId,
    pub(crate) device: String,
    pub(crate) crossbar: String,
}

impl ChipKey {
    pub(crate) fn new(weight: burn::module::ParamId, device: &burn::tensor::Device, crossbar: &CrossbarConfig) -> Self {
        ChipKey { weight, device: format!("{device:?}"), crossbar: format!("{crossbar:?}") }
    }
}

impl Clone for EvalChip {
    fn clone(&self) -> Self {
        EvalChip::default()
    }
}

impl EvalChip {
    /// Runs `read` on the kept chip, programming it first if there is none for `key`.
    pub(crate) fn read<T>(
        &self,
        key: ChipKey,
        program: impl FnOnce() -> Result<ProgrammedCrossbar>,
        read: impl FnOnce(&ProgrammedCrossbar) -> Result<T>,
    ) -> Result<T> {
        // A poisoned lock only means another read panicked; the chip itself is intact.
        let mut chip = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if chip.as_ref().is_none_or(|(kept, _)| *kept != key) {
            *chip = Some((key, program()?));
        }
        match chip.as_ref() {
            Some((_, crossbar)) => read(crossbar),
            None => unreachable!("programmed above"),
        }
    }

    /// Drops the kept chip: the next evaluation forward programs the current weights.
    pub(crate) fn clear(&self) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}
