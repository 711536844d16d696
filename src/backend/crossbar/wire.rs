//! The crossbar ops as IR (see [`crate::backend::wire`]).

use burn::backend::TensorMetadata;
use burn::backend::fusion::custom::{ScalarIr, TensorSpec};
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::{CrossbarOps, program_shape, read_meta};
use crate::backend::wire::{IrBackend, Ran, decode, describe, encode, exactly, op_id};
use crate::kernels::crossbar::{CrossbarSettings, DriftParams};

const PROGRAM: &str = op_id!("crossbar_program");
const DRIFT: &str = op_id!("crossbar_drift");
const READ: &str = op_id!("crossbar_read");
pub(crate) const OPS: &[&str] = &[PROGRAM, DRIFT, READ];

impl<T: IrBackend> CrossbarOps for T {
    fn crossbar_program(weight: FloatTensor<Self>, scales: FloatTensor<Self>, settings: CrossbarSettings) -> FloatTensor<Self> {
        let output = TensorSpec::new(program_shape(&weight.shape(), &settings), DType::F32);
        let [output] = T::submit(PROGRAM, vec![weight, scales], [output], encode(&settings));
        output
    }

    fn crossbar_drift(planes: FloatTensor<Self>, params: DriftParams) -> FloatTensor<Self> {
        let mut shape = planes.shape();
        shape[0] = 2;
        let [output] = T::submit(DRIFT, vec![planes], [TensorSpec::new(shape, DType::F32)], encode(&params));
        output
    }

    fn crossbar_read(
        input: FloatTensor<Self>,
        effective: FloatTensor<Self>,
        conductance_sum: FloatTensor<Self>,
        gains: FloatTensor<Self>,
        settings: CrossbarSettings,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let (output, traces) = read_meta(&describe(&input), &describe(&effective), &describe(&conductance_sum), &describe(&gains), &settings);
        let [output, traces] = T::submit(READ, vec![input, effective, conductance_sum, gains], [output, traces], encode(&settings));
        (output, traces)
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: CrossbarOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        PROGRAM => {
            let [weight, scales] = exactly(id, "inputs", inputs);
            vec![B::crossbar_program(weight, scales, decode(id, scalars))]
        }
        DRIFT => {
            let [planes] = exactly(id, "inputs", inputs);
            vec![B::crossbar_drift(planes, decode(id, scalars))]
        }
        READ => {
            let [input, effective, conductance_sum, gains] = exactly(id, "inputs", inputs);
            let (output, traces) = B::crossbar_read(input, effective, conductance_sum, gains, decode(id, scalars));
            vec![output, traces]
        }
        _ => return Err(inputs),
    })
}
