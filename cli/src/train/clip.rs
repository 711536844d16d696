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

#[cfg(test)]
mod tests {
    use burn::module::{Module, Param};
    use burn::optim::GradientsParams;
    use burn::tensor::{Device, Tensor, TensorData};

    use super::{clip_grad_norm, clip_weights};

    #[derive(Module, Debug)]
    struct Two {
        a: Param<Tensor<1>>,
        b: Param<Tensor<2>>,
        fixed: Param<Tensor<1>>,
    }

    fn model(device: &Device) -> Two {
        let param = |values: Vec<f32>| Param::from_tensor(Tensor::<1>::from_data(TensorData::new(values.clone(), [values.len()]), device));
        Two {
            a: param(vec![3.0, -2.0]),
            b: Param::from_tensor(Tensor::<2>::from_data(TensorData::new(vec![0.5, -4.0], [1, 2]), device)),
            fixed: param(vec![2.5]).set_require_grad(false),
        }
    }

    fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().iter::<f32>().collect()
    }

    #[test]
    fn gradients_are_scaled_together_to_the_global_norm() {
        let device = Device::flex().autodiff();
        let m = model(&device);
        // d/dp of Σ p²/2 is p: the gradients are the values, global norm √(9+4+0.25+16) = √29.25.
        let loss = m.a.val().powi_scalar(2).sum() / 2.0 + m.b.val().powi_scalar(2).sum() / 2.0;
        let grads = clip_grad_norm(GradientsParams::from_grads(loss.backward(), &m), &m, 1.0);
        let factor = 1.0 / (29.25f32.sqrt() + 1e-6);
        let a = read(grads.get::<1>(m.a.id).expect("a"));
        let b = read(grads.get::<2>(m.b.id).expect("b"));
        for (got, want) in a.iter().chain(&b).zip([3.0, -2.0, 0.5, -4.0]) {
            assert!((got - want * factor).abs() < 1e-6, "{got} vs {}", want * factor);
        }
        // Under the limit nothing changes.
        let loss = m.a.val().sum() * 0.1;
        let grads = clip_grad_norm(GradientsParams::from_grads(loss.backward(), &m), &m, 1.0);
        assert_eq!(read(grads.get::<1>(m.a.id).expect("a")), vec![0.1, 0.1]);
    }

    #[test]
    fn weight_clip_clamps_trained_parameters_only() {
        let device = Device::flex().autodiff();
        let m = clip_weights(model(&device), 1.0);
        assert_eq!(read(m.a.val()), vec![1.0, -1.0]);
        assert_eq!(read(m.b.val()), vec![0.5, -1.0]);
        assert_eq!(read(m.fixed.val()), vec![2.5], "a fixed (buffer-like) parameter keeps its value");
        assert!(m.a.val().is_require_grad(), "still trainable");
    }
}
