//! Our ops in Fusion's lazy stream: recorded as IR that carries every argument, run by the
//! inner backend when the stream executes.

use burn::backend::fusion::custom::{CustomOpIr, OperationFn, OperationIr, ScalarIr, StreamId, TensorIr, TensorSpec};
use burn::backend::fusion::{Fusion, FusionBackend};
use burn::backend::tensor::FloatTensor;

use super::{IrBackend, NeuroOps, execute};

impl<B: FusionBackend + NeuroOps> IrBackend for Fusion<B> {
    fn submit<const N: usize>(
        id: &'static str,
        inputs: Vec<FloatTensor<Self>>,
        outputs: [TensorSpec; N],
        scalars: Vec<ScalarIr>,
    ) -> [FloatTensor<Self>; N] {
        let client = inputs.first().unwrap_or_else(|| panic!("`{id}` needs an input tensor")).client.clone();
        let inputs: Vec<TensorIr> = inputs.into_iter().map(|t| t.into_ir()).collect();
        let outputs: Vec<TensorIr> = outputs.into_iter().map(|spec| TensorIr::uninit(client.create_empty_handle(), spec.shape, spec.dtype)).collect();
        let ir = CustomOpIr { id: id.into(), inputs: inputs.clone(), outputs: outputs.clone(), scalars: scalars.clone() };
        // Runs from the IR's own arguments (what a remote server would decode), not from the
        // caller's values.
        let run = OperationFn(move |handles: &mut burn::backend::fusion::custom::HandleContainer<_>| {
            let tensors = inputs.iter().map(|input| handles.get_float_tensor::<B>(input)).collect();
            for (output, tensor) in outputs.iter().zip(execute::<B>(id, tensors, &scalars)) {
                handles.register_float_tensor::<B>(&output.id, tensor);
            }
            Ok(())
        });
        let tensors = client.register(StreamId::current(), OperationIr::Custom(ir), run);
        super::exactly(id, "outputs", tensors)
    }
}
