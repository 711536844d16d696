//! Crossbar programming and analog reads as backend ops. A read is differentiable with respect
//! to its input: the gradient is itself an analog read of Wᵀ through the same IO pipeline
//! (aihwkit's analog backward; bound management off). Programming is not differentiated:
//! weights train through a straight-through estimator (see `crate::analog::linear`).

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::TensorMetadata;
use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;
use burn::backend::{Autodiff, AutodiffBackend, Backend, Flex, backend_extension};
use burn::tensor::{DType, Shape};

use crate::backend::flex_io::{device_tensor, host_values, storage};
use crate::kernels::crossbar::{self, CrossbarSettings, DriftParams};
use crate::reference::crossbar as reference;

/// Crossbar ops.
#[backend_extension(Cube, Fusion, Autodiff, Flex)]
pub trait CrossbarOps: Backend {
    /// `weight [inputs, outputs]` f32 and `scales [2]` (max|W| first) → `[planes, inputs, outputs]`.
    #[fusion(dtype = { let _ = weight; DType::F32 }, shape = program_shape(weight, settings))]
    fn crossbar_program(weight: FloatTensor<Self>, scales: FloatTensor<Self>, settings: CrossbarSettings) -> FloatTensor<Self>;

    /// Inference-time drift and read noise: `[4, inputs, outputs]` → `[2, inputs, outputs]`.
    #[fusion(dtype = { let _ = planes; DType::F32 }, shape = { let mut s = planes.clone(); s[0] = 2; s })]
    fn crossbar_drift(planes: FloatTensor<Self>, params: DriftParams) -> FloatTensor<Self>;

    /// `input [batch, inputs]` through `planes` → (`[batch, outputs]`, traces or a `[1]` placeholder).
    #[fusion(meta = read_meta)]
    fn crossbar_read(
        input: FloatTensor<Self>,
        planes: FloatTensor<Self>,
        scales: FloatTensor<Self>,
        settings: CrossbarSettings,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

pub(crate) fn program_shape(weight: &Shape, settings: &CrossbarSettings) -> Shape {
    vec![settings.planes(), weight[0], weight[1]].into()
}

fn read_shapes(settings: &CrossbarSettings) -> (Shape, Shape) {
    let p = &settings.params;
    let traces = if settings.variant.traces {
        vec![2, p.batch as usize, p.row_tiles as usize, p.outputs as usize]
    } else {
        vec![1]
    };
    (vec![p.batch as usize, p.outputs as usize].into(), traces.into())
}

fn read_meta(
    input: &burn::backend::fusion::custom::TensorSpec,
    _planes: &burn::backend::fusion::custom::TensorSpec,
    _scales: &burn::backend::fusion::custom::TensorSpec,
    settings: &CrossbarSettings,
) -> (burn::backend::fusion::custom::TensorSpec, burn::backend::fusion::custom::TensorSpec) {
    use burn::backend::fusion::custom::TensorSpec;
    let (output, traces) = read_shapes(settings);
    (TensorSpec::new(output, input.dtype), TensorSpec::new(traces, DType::F32))
}

impl CrossbarOps for CubeBackend {
    fn crossbar_drift(planes: FloatTensor<Self>, params: DriftParams) -> FloatTensor<Self> {
        crossbar::drift(planes, &params)
    }

    fn crossbar_program(weight: FloatTensor<Self>, scales: FloatTensor<Self>, settings: CrossbarSettings) -> FloatTensor<Self> {
        crossbar::program(weight, scales, &settings)
    }

    fn crossbar_read(input: FloatTensor<Self>, planes: FloatTensor<Self>, scales: FloatTensor<Self>, settings: CrossbarSettings) -> (FloatTensor<Self>, FloatTensor<Self>) {
        crossbar::read(input, planes, scales, &settings)
    }
}

impl CrossbarOps for Flex {
    fn crossbar_drift(planes: FloatTensor<Self>, params: DriftParams) -> FloatTensor<Self> {
        let like = planes.clone();
        let (values, shape, _) = host_values(planes);
        device_tensor(reference::drift(&values, &params), vec![2, shape[1], shape[2]].into(), DType::F32, &like)
    }

    fn crossbar_program(weight: FloatTensor<Self>, _scales: FloatTensor<Self>, settings: CrossbarSettings) -> FloatTensor<Self> {
        let like = weight.clone();
        let (weight, shape, _) = host_values(weight);
        let planes = reference::program(&settings, &weight);
        device_tensor(planes, program_shape(&shape, &settings), DType::F32, &like)
    }

    fn crossbar_read(input: FloatTensor<Self>, planes: FloatTensor<Self>, scales: FloatTensor<Self>, settings: CrossbarSettings) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let like = input.clone();
        let (input, _, dtype) = host_values(input);
        let (planes, _, _) = host_values(planes);
        let (scales, _, _) = host_values(scales);
        let out = reference::read(&settings, storage(dtype), &input, &planes, [scales[0], scales[1]]);
        let (output_shape, traces_shape) = read_shapes(&settings);
        let traces = if settings.variant.traces {
            let mut both = out.power;
            both.extend(out.current);
            both
        } else {
            vec![0.0]
        };
        (device_tensor(out.output, output_shape, dtype, &like), device_tensor(traces, traces_shape, DType::F32, &like))
    }
}

/// Backward of a read: an analog read of Wᵀ with the output gradient as input.
#[derive(Debug)]
struct ReadBackward {
    settings: CrossbarSettings,
}

impl<B: CrossbarOps> Backward<B, 1> for ReadBackward {
    type State = (FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_input] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (planes, scales) = ops.state;
        if let Some(node) = node_input {
            let transposed = self.settings.transposed(grad.shape()[0]);
            let (grad_input, _) = B::crossbar_read(grad, planes, scales, transposed);
            grads.register::<B>(node.id, grad_input);
        }
    }
}

impl<B: CrossbarOps, C: CheckpointStrategy> CrossbarOps for Autodiff<B, C> {
    fn crossbar_drift(planes: FloatTensor<Self>, params: DriftParams) -> FloatTensor<Self> {
        Self::from_inner(B::crossbar_drift(planes.into_primitive(), params))
    }

    fn crossbar_program(weight: FloatTensor<Self>, scales: FloatTensor<Self>, settings: CrossbarSettings) -> FloatTensor<Self> {
        Self::from_inner(B::crossbar_program(weight.into_primitive(), scales.into_primitive(), settings))
    }

    fn crossbar_read(input: FloatTensor<Self>, planes: FloatTensor<Self>, scales: FloatTensor<Self>, settings: CrossbarSettings) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let prep = ReadBackward { settings }.prepare::<C>([input.node()]).compute_bound().stateful();
        let (planes, scales) = (planes.into_primitive(), scales.into_primitive());
        let (output, traces) = B::crossbar_read(input.into_primitive(), planes.clone(), scales.clone(), settings);
        let output = match prep {
            OpsKind::Tracked(prep) => prep.finish((planes, scales), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        };
        (output, Self::from_inner(traces))
    }
}
