//! Flex (CPU) implementation: runs the CPU reference, the sequences of a batch in parallel.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;
use rayon::prelude::*;

use super::EsnLayerOps;
use crate::backend::flex_io::{device_tensor, host_values};
use crate::kernels::esn_layer::EsnLayerParams;
use crate::reference::esn_layer as reference;

impl EsnLayerOps for Flex {
    fn esn_layer_forward(
        drive: FloatTensor<Self>,
        weight_t: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        params: EsnLayerParams,
    ) -> FloatTensor<Self> {
        let like = drive.clone();
        let (drive, _, _) = host_values(drive);
        let (weight_t, _, _) = host_values(weight_t);
        let (initial, _, _) = host_values(initial);
        let (batch, steps, neurons) = (params.batch as usize, params.steps as usize, params.neurons as usize);
        let per_sequence = steps * neurons;
        let states: Vec<f32> = (0..batch)
            .into_par_iter()
            .flat_map_iter(|b| {
                let drive = &drive[b * per_sequence..(b + 1) * per_sequence];
                let initial = &initial[b * neurons..(b + 1) * neurons];
                reference::forward(drive, &weight_t, initial, params.leak, 1, steps, neurons)
            })
            .collect();
        device_tensor(states, vec![batch, steps, neurons].into(), DType::F32, &like)
    }
}
