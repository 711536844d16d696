//! Flex (CPU) implementation: runs the CPU reference.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::{CrossbarOps, program_shape, read_shapes};
use crate::backend::flex_io::{device_tensor, host_values, storage};
use crate::kernels::crossbar::{CrossbarSettings, DriftParams};
use crate::reference::crossbar as reference;

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

    fn crossbar_read(
        input: FloatTensor<Self>,
        effective: FloatTensor<Self>,
        conductance_sum: FloatTensor<Self>,
        gains: FloatTensor<Self>,
        settings: CrossbarSettings,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let like = input.clone();
        let (input, _, dtype) = host_values(input);
        let (effective, _, _) = host_values(effective);
        let (conductance_sum, _, _) = host_values(conductance_sum);
        let (gains, _, _) = host_values(gains);
        let out = reference::read(&settings, storage(dtype), &input, &effective, &conductance_sum, &gains);
        let (output_shape, traces_shape) = read_shapes(&settings);
        let traces = if settings.variant.traces {
            let mut planes = out.power;
            planes.extend(out.current);
            planes.extend(out.energy);
            planes.extend(out.passes.iter().map(|&p| p as f32));
            planes
        } else {
            vec![0.0]
        };
        (device_tensor(out.output, output_shape, dtype, &like), device_tensor(traces, traces_shape, DType::F32, &like))
    }
}
