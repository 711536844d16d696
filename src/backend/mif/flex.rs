//! Flex (CPU) implementation: runs the CPU reference.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::{DType, Shape};

use super::MifOps;
use crate::backend::flex_io::{device_tensor, host_values};
use crate::kernels::mif::{MIF_STATE_PLANES, MifKernelParams};
use crate::reference::mif as reference;

impl MifOps for Flex {
    fn mif_forward(input: FloatTensor<Self>, initial: FloatTensor<Self>, params: MifKernelParams) -> FloatTensor<Self> {
        let like = input.clone();
        let (input, _, _) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (steps, neurons) = (params.steps as usize, params.neurons as usize);
        let trajectory = reference::trajectory(&params.coefficients(), &input, &initial, steps, neurons);
        let shape: Shape = vec![steps + 1, MIF_STATE_PLANES, neurons].into();
        device_tensor(trajectory, shape, DType::F32, &like)
    }

    fn mif_backward(trajectory: FloatTensor<Self>, grad_trajectory: FloatTensor<Self>, params: MifKernelParams) -> FloatTensor<Self> {
        let like = trajectory.clone();
        let (trajectory, _, _) = host_values(trajectory);
        let (grad_trajectory, _, _) = host_values(grad_trajectory);
        let (steps, neurons) = (params.steps as usize, params.neurons as usize);
        let grads = reference::trajectory_backward(&params.coefficients(), &trajectory, &grad_trajectory, steps, neurons);
        device_tensor(grads, vec![steps + MIF_STATE_PLANES, neurons].into(), DType::F32, &like)
    }
}
