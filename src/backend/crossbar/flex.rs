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
        planes: FloatTensor<Self>,
        scales: FloatTensor<Self>,
        settings: CrossbarSettings,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
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
