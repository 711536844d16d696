//! PyTorch's two clips as the QSNN FP32 recipe uses them, on the device (no host round trip):
//! `clip_grad_norm_` scales all gradients together by `min(1, c / (‖g‖ + 1e-6))` with ‖g‖ the
//! norm over every parameter (Burn's own gradient clipping works per tensor), and the weight
//! clip clamps every trained parameter to [−c, c] before the optimizer step.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{DType, Tensor};

struct SquaredNorm<'a> {
    grads: &'a GradientsParams,
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            let squares = g.cast(DType::F32).powi_scalar(2).sum();
            self.total = Some(match self.total.take() {
                Some(total) => total + squares,
                None => squares,
            });
        }
    }
}

struct Scale<'a> {
    grads: &'a mut GradientsParams,
    factor: Tensor<1>,
}

impl ModuleVisitor for Scale<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.remove::<D>(param.id) {
            let dtype = g.dtype();
            let scaled = g * self.factor.clone().cast(dtype).reshape([1; D]);
            self.grads.register::<D>(param.id, scaled);
        }
    }
}

/// Scales `grads` so their global L2 norm is at most `max_norm` (PyTorch's `clip_grad_norm_`).
pub fn clip_grad_norm<M: Module>(mut grads: GradientsParams, model: &M, max_norm: f32) -> GradientsParams {
    let mut norm = SquaredNorm { grads: &grads, total: None };
    model.visit(&mut norm);
    let Some(total) = norm.total else { return grads };
    let factor = (total.sqrt().add_scalar(1e-6).recip() * max_norm).clamp_max(1.0);
    model.visit(&mut Scale { grads: &mut grads, factor });
    grads
}

struct Clamp(f32);

impl ModuleMapper for Clamp {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let c = self.0;
        // Only what the optimizer trains: PyTorch's `parameters()` excludes buffers, as our
        // fixed neuron parameters are.
        param.map(|t| if t.is_require_grad() { t.clamp(-c, c).detach().require_grad() } else { t })
    }
}

/// Clamps every trained parameter of `model` to `[−limit, limit]`.
pub fn clip_weights<M: Module>(model: M, limit: f32) -> M {
    model.map(&mut Clamp(limit))
}
