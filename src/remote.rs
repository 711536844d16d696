//! Our ops on a remote device, through Burn's remote backend (feature `remote`).
//!
//! A server hosts its devices with every burn-neuro op registered ([`server`], or
//! [`register_ops`] on a `RemoteServer` you build yourself); a client opens the server's device
//! with [`connect`] and uses it like a local one: models, autodiff and optimizers run on the
//! client, every tensor op (ours included, backward kernels too) runs on the server's device.
//!
//! ```no_run
//! # fn main() -> burn_neuro::Result<()> {
//! // On the machine with the GPU (blocks until Ctrl+C):
//! // burn_neuro::remote::server([burn::tensor::Device::wgpu(Default::default())], None)?
//! //     .serve(burn::server::WebSocketTransport::new(3000))?;
//!
//! // Anywhere else:
//! let device = burn_neuro::remote::connect("ws://gpu-box:3000", None)?;
//! let input = burn::tensor::Tensor::<2>::ones([25, 100], &device);
//! let output = burn_neuro::lif(input, None, &burn_neuro::Neuron::leaky(0.9))?;
//! # let _ = output;
//! # Ok(())
//! # }
//! ```
//!
//! Each op travels as one `OperationIr::Custom` with a versioned id (`burn-neuro/<version>/<op>`)
//! and all of its arguments as scalars, so client and server must run the same burn-neuro
//! version; a server of another version refuses the op by name. The transport is Burn's
//! websocket (unencrypted: for a trusted network) or Iroh (authenticated, any network).

use burn::backend::ir::BackendIr;
use burn::server::{CustomOpRegistry, RemoteServer, TokenAuthorizer};
use burn::tensor::Device;
use burn::tensor::remote::RemoteHost;

pub use crate::backend::wire::op_ids;
use crate::backend::wire::{NeuroOps, execute};
use crate::device::{ComputePath, compute_path};
use crate::error::{NeuroError, Result};

/// Registers a handler for every burn-neuro op, backward kernels included, on `registry` for
/// backend `B` (`burn::backend::Cube` for GPU devices, `burn::backend::Flex` for the CPU).
pub fn register_ops<B: BackendIr + NeuroOps>(registry: &mut CustomOpRegistry<B>) {
    for id in op_ids() {
        registry.register(id, |handles, ir, _device| {
            let inputs = ir.inputs.iter().map(|input| handles.get_float_tensor::<B>(input)).collect();
            let outputs = execute::<B>(&ir.id, inputs, &ir.scalars);
            assert_eq!(outputs.len(), ir.outputs.len(), "`{}`: output count", ir.id);
            for (output, tensor) in ir.outputs.iter().zip(outputs) {
                handles.register_float_tensor::<B>(&output.id, tensor);
            }
        });
    }
}

/// A `RemoteServer` hosting `devices` with every burn-neuro op registered; with `token`, only
/// clients presenting it get a session. The devices must share one backend: wgpu devices, or
/// the CPU. Serve it with `.serve(transport)`.
pub fn server(devices: impl IntoIterator<Item = Device>, token: Option<&str>) -> Result<RemoteServer> {
    let devices: Vec<Device> = devices.into_iter().collect();
    let paths = devices.iter().map(compute_path).collect::<Result<Vec<_>>>()?;
    let server = match paths.first() {
        None => return Err(NeuroError::Device("a server needs at least one device".into())),
        Some(first) if paths.iter().any(|p| std::mem::discriminant(p) != std::mem::discriminant(first)) => {
            return Err(NeuroError::Device("one server serves devices of one backend: wgpu devices, or the CPU".into()));
        }
        // The server registers handlers only for the backend its devices run.
        Some(ComputePath::Wgsl(_)) => {
            let mut registry = CustomOpRegistry::<burn::backend::Cube>::new();
            register_ops(&mut registry);
            RemoteServer::new(devices).with_custom_ops(registry)
        }
        Some(ComputePath::Cpu) => {
            let mut registry = CustomOpRegistry::<burn::backend::Flex>::new();
            register_ops(&mut registry);
            RemoteServer::new(devices).with_custom_ops(registry)
        }
        Some(ComputePath::Remote) => return Err(NeuroError::Device("a remote device cannot be served again".into())),
    };
    match token {
        Some(token) => {
            let authorizer = TokenAuthorizer::new(token).map_err(|_| NeuroError::Device("the server token is empty".into()))?;
            Ok(server.with_authorizer(authorizer))
        }
        None => Ok(server),
    }
}

/// The first device of the server at `url` (`ws://HOST:PORT`), presenting `token` if the server
/// wants one. Connects now: fails at once, with the reason, when nothing answers there.
pub fn connect(url: &str, token: Option<&str>) -> Result<Device> {
    if !url.starts_with("ws://") && !url.starts_with("wss://") {
        return Err(NeuroError::Remote { address: url.into(), detail: "expected a websocket address, ws://HOST:PORT".into() });
    }
    let mut host = RemoteHost::websocket(url);
    if let Some(token) = token {
        host = host.with_credential(token);
    }
    Device::remote_options(&host).init().map_err(|e| NeuroError::Remote { address: url.into(), detail: e.to_string() })
}
