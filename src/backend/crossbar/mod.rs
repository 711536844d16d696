//! Crossbar programming and analog reads as backend ops. A read is differentiable with respect
//! to its input: the gradient is itself an analog read of Wᵀ through the same IO pipeline
//! (aihwkit's analog backward; bound management off). Programming is not differentiated:
//! weights train through a straight-through estimator (see `crate::analog::linear`).

mod autodiff;
mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};
use burn::tensor::{DType, Shape};

use crate::kernels::crossbar::{CrossbarSettings, DriftParams};

/// Crossbar ops.
#[backend_extension(Cube, Autodiff, Flex, Remote: cfg(feature = "remote"))]
pub trait CrossbarOps: Backend {
    /// `weight [inputs, outputs]` f32 (the tile's weights) and `scales [1]` (their max|W|) →
    /// `[planes, inputs, outputs]`.
    fn crossbar_program(weight: FloatTensor<Self>, scales: FloatTensor<Self>, settings: CrossbarSettings) -> FloatTensor<Self>;

    /// Inference-time drift and read noise: `[4, inputs, outputs]` → `[2, inputs, outputs]`.
    fn crossbar_drift(planes: FloatTensor<Self>, params: DriftParams) -> FloatTensor<Self>;

    /// `input [batch, inputs]` through the `effective [inputs, outputs]` weights (with
    /// `conductance_sum`, g+ + g−, for the power trace: a `[1]` placeholder without traces) and
    /// the output `gains [outputs]` → (`[batch, outputs]`, `[4, batch, row_tiles, outputs]`
    /// traces or a `[1]` placeholder). See `kernels::crossbar::read`.
    fn crossbar_read(
        input: FloatTensor<Self>,
        effective: FloatTensor<Self>,
        conductance_sum: FloatTensor<Self>,
        gains: FloatTensor<Self>,
        settings: CrossbarSettings,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

pub(crate) fn program_shape(weight: &Shape, settings: &CrossbarSettings) -> Shape {
    vec![settings.planes(), weight[0], weight[1]].into()
}

fn read_shapes(settings: &CrossbarSettings) -> (Shape, Shape) {
    let p = &settings.params;
    let traces = if settings.variant.traces { vec![4, p.batch as usize, p.row_tiles as usize, p.outputs as usize] } else { vec![1] };
    (vec![p.batch as usize, p.outputs as usize].into(), traces.into())
}

fn read_meta(
    input: &burn::backend::fusion::custom::TensorSpec,
    _effective: &burn::backend::fusion::custom::TensorSpec,
    _conductance_sum: &burn::backend::fusion::custom::TensorSpec,
    _gains: &burn::backend::fusion::custom::TensorSpec,
    settings: &CrossbarSettings,
) -> (burn::backend::fusion::custom::TensorSpec, burn::backend::fusion::custom::TensorSpec) {
    use burn::backend::fusion::custom::TensorSpec;
    let (output, traces) = read_shapes(settings);
    (TensorSpec::new(output, input.dtype), TensorSpec::new(traces, DType::F32))
}
