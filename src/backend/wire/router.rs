//! Our ops on Burn's router backend (the client side of a remote device): each op becomes one
//! `OperationIr::Custom` sent to the server, which runs it through [`super::server`]'s handlers.

use burn::backend::fusion::custom::{CustomOpIr, OperationIr, ScalarIr, TensorIr, TensorSpec};
use burn::backend::tensor::FloatTensor;
use burn_router::{BackendRouter, RouterChannel, RouterClient};

use super::IrBackend;

impl<C: RouterChannel> IrBackend for BackendRouter<C> {
    fn submit<const N: usize>(
        id: &'static str,
        inputs: Vec<FloatTensor<Self>>,
        outputs: [TensorSpec; N],
        scalars: Vec<ScalarIr>,
    ) -> [FloatTensor<Self>; N] {
        let client = inputs.first().unwrap_or_else(|| panic!("`{id}` needs an input tensor")).client.clone();
        let outputs = outputs.into_iter().map(|spec| TensorIr::uninit(client.create_empty_handle(), spec.shape, spec.dtype)).collect();
        let inputs = inputs.into_iter().map(|t| t.into_ir()).collect();
        let tensors = client.register(OperationIr::Custom(CustomOpIr { id: id.into(), inputs, outputs, scalars }));
        super::exactly(id, "outputs", tensors)
    }
}
