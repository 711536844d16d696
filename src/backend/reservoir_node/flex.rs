//! Flex (CPU) implementation: runs the CPU reference.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::ReservoirNodeOps;
use crate::backend::flex_io::{device_tensor, host_values, storage};
use crate::kernels::reservoir_node::ReservoirNodeParams;
use crate::reference::reservoir_node as reference;

impl ReservoirNodeOps for Flex {
    fn reservoir_node_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self> {
        let like = input.clone();
        let (input, _, dtype) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (coeffs, _, _) = host_values(coeffs);
        let (steps, channels, neurons) = (params.steps as usize, params.channels as usize, params.neurons as usize);
        let output = reference::forward(&input, &initial, &coeffs, params.g_max, steps, neurons, storage(dtype));
        device_tensor(output, vec![steps, channels, neurons].into(), dtype, &like)
    }

    fn reservoir_node_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        output: FloatTensor<Self>,
        grad_output: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self> {
        let like = input.clone();
        let (input, _, _) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (coeffs, _, _) = host_values(coeffs);
        let (output, _, _) = host_values(output);
        let (grad_output, _, _) = host_values(grad_output);
        let (steps, channels, neurons) = (params.steps as usize, params.channels as usize, params.neurons as usize);
        let grads = reference::backward(&input, &initial, &coeffs, &output, &grad_output, params.g_max, steps, neurons);
        device_tensor(grads, vec![steps + 3, channels, neurons].into(), DType::F32, &like)
    }
}
