//! `--backend`: which graphics API the GPU work runs on, chosen at run time.

use burn::tensor::Device;
use burn_neuro::adapters::{AdapterReport, GraphicsApi, open_device};

/// The API to run on; `auto` lets wgpu pick (Burn's default adapter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    /// wgpu's choice.
    Auto,
    /// Vulkan.
    Vulkan,
    /// Metal.
    Metal,
    /// Direct3D 12.
    Dx12,
    /// OpenGL / OpenGL ES.
    Gl,
}

impl BackendArg {
    /// The API, or `None` for `auto`.
    pub fn api(self) -> Option<GraphicsApi> {
        match self {
            BackendArg::Auto => None,
            BackendArg::Vulkan => Some(GraphicsApi::Vulkan),
            BackendArg::Metal => Some(GraphicsApi::Metal),
            BackendArg::Dx12 => Some(GraphicsApi::Dx12),
            BackendArg::Gl => Some(GraphicsApi::Gl),
        }
    }

    /// Whether `adapter` runs on this API (every adapter does for `auto`).
    pub fn admits(self, adapter: &AdapterReport) -> bool {
        self.api().is_none_or(|api| adapter.backend == api.name())
    }

    /// A device on this API's first adapter, or Burn's default adapter for `auto`.
    pub fn device(self) -> Result<Device, String> {
        match self.api() {
            None => Ok(Device::wgpu(Default::default())),
            Some(api) => open_device(api).map_err(|e| format!("--backend {}: {e}", api.name().to_lowercase())),
        }
    }
}
