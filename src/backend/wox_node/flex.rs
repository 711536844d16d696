//! Flex (CPU) implementation: runs the CPU reference.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::WoxNodeOps;
use crate::backend::flex_io::{device_tensor, host_values};
use crate::kernels::wox_node::WoxNodeParams;
use crate::reference::wox_node as reference;

impl WoxNodeOps for Flex {
    fn wox_node_forward(voltage: FloatTensor<Self>, initial: FloatTensor<Self>, params: WoxNodeParams) -> FloatTensor<Self> {
        let like = voltage.clone();
        let (voltage, _, _) = host_values(voltage);
        let (initial, _, _) = host_values(initial);
        let (steps, neurons) = (params.steps as usize, params.neurons as usize);
        let trajectory = reference::forward(&params.coefficients(), &voltage, &initial, steps, neurons);
        device_tensor(trajectory, vec![steps, 2, neurons].into(), DType::F32, &like)
    }
}
