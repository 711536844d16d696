//! Flex (CPU) implementation: the copy is the identity, the FMA probe its reference.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::CeilingOps;
use crate::backend::flex_io::{device_tensor, host_values};
use crate::reference::ceiling as reference;

impl CeilingOps for Flex {
    fn ceiling_copy(source: FloatTensor<Self>) -> FloatTensor<Self> {
        let like = source.clone();
        let (values, shape, dtype) = host_values(source);
        device_tensor(values, shape, dtype, &like)
    }

    fn ceiling_fma(like: FloatTensor<Self>, invocations: usize) -> FloatTensor<Self> {
        let values = (0..invocations as u32).map(reference::fma_reference).collect();
        device_tensor(values, vec![invocations].into(), DType::F32, &like)
    }
}
