//! Moving Flex (CPU backend) tensors to and from the f32 vectors the CPU references work on.

use std::borrow::Cow;

use burn::backend::Flex;
use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{TensorMetadata, try_read_sync};
use burn::tensor::{DType, Shape, TensorData};

use crate::reference::Storage;

/// The tensor's values as f32, with its shape and dtype.
pub(crate) fn host_values(tensor: FloatTensor<Flex>) -> (Vec<f32>, Shape, DType) {
    let data = try_read_sync(Flex::float_into_data(tensor)).expect("the CPU backend reads synchronously").expect("reading a CPU tensor cannot fail");
    let shape = data.shape().clone();
    let dtype = data.dtype();
    // f32 data hands over its buffer; others convert element by element.
    let values = match dtype {
        DType::F32 => data.try_into_vec::<f32>().expect("an f32 tensor holds f32 values"),
        _ => data.iter::<f32>().collect(),
    };
    (values, shape, dtype)
}

/// The tensor's values as f32: borrowed where they already lie in memory as contiguous f32
/// (a tensor autodiff keeps for the backward is shared, and reading it by value would copy it),
/// else read as [`host_values`] does.
pub(crate) fn host_slice(tensor: &FloatTensor<Flex>) -> Cow<'_, [f32]> {
    match tensor.as_slice::<f32>() {
        Some(values) => Cow::Borrowed(values),
        None => Cow::Owned(host_values(tensor.clone()).0),
    }
}

/// [`host_slice`] for a `[T, N]` input. One broadcast over T (stride 0 along T: a layer's
/// current computed once and expanded over the steps) is repeated row by row, which is a
/// plain memory copy; Flex's generic strided copy would walk it element by element.
pub(crate) fn host_steps(tensor: &FloatTensor<Flex>) -> Cow<'_, [f32]> {
    let layout = tensor.layout();
    let shape = layout.shape();
    if tensor.dtype() == DType::F32 && shape.num_dims() == 2 && layout.strides() == [0, 1] {
        let (steps, neurons) = (shape[0], shape[1]);
        let start = layout.start_offset();
        return Cow::Owned(tensor.storage::<f32>()[start..start + neurons].repeat(steps));
    }
    host_slice(tensor)
}

/// A tensor of `dtype` on `like`'s device holding `values`.
pub(crate) fn device_tensor(values: Vec<f32>, shape: Shape, dtype: DType, like: &FloatTensor<Flex>) -> FloatTensor<Flex> {
    let data = TensorData::new(values, shape).convert_dtype(dtype);
    Flex::float_from_data(data, &like.device())
}

/// How the CPU reference should round stores for a tensor of `dtype`.
pub(crate) fn storage(dtype: DType) -> Storage {
    match dtype {
        DType::F16 => Storage::F16,
        _ => Storage::F32,
    }
}
