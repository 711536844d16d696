//! Moving Flex (CPU backend) tensors to and from the f32 vectors the CPU references work on.

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
