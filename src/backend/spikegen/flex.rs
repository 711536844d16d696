//! Flex (CPU) implementation: runs the CPU reference.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::{DType, Shape};

use super::SpikegenOps;
use crate::backend::flex_io::{device_tensor, host_values};
use crate::kernels::spikegen::RateParams;
use crate::reference::spikegen as reference;

impl SpikegenOps for Flex {
    fn spikegen_rate(probability: FloatTensor<Self>, params: RateParams, dtype: DType) -> FloatTensor<Self> {
        let like = probability.clone();
        let (values, _, _) = host_values(probability);
        let shape: Shape = vec![params.steps as usize, params.neurons as usize].into();
        device_tensor(reference::rate(&values, &params), shape, dtype, &like)
    }
}
