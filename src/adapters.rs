//! What wgpu finds on this machine, and a Burn device for each adapter.

use burn::backend::wgpu::wgpu;
use burn::tensor::wgpu::WgpuBackend;
use burn::tensor::{Device, DeviceKind};

/// A native graphics API wgpu can run our WGSL on. Chosen at run time, not by Cargo features:
/// Burn's `vulkan`/`metal` features replace the WGSL compiler and refuse our kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GraphicsApi {
    /// Vulkan (Linux, Windows, Android; MoltenVK on macOS).
    Vulkan,
    /// Metal (macOS, iOS).
    Metal,
    /// Direct3D 12 (Windows).
    Dx12,
    /// OpenGL / OpenGL ES (through EGL on Linux).
    Gl,
}

impl GraphicsApi {
    /// The name [`AdapterReport::backend`] uses for this API.
    pub fn name(self) -> &'static str {
        match self {
            GraphicsApi::Vulkan => "Vulkan",
            GraphicsApi::Metal => "Metal",
            GraphicsApi::Dx12 => "Dx12",
            GraphicsApi::Gl => "Gl",
        }
    }
}

/// A device on the first adapter of `api` (in [`list_adapters`]'s order), with an error that
/// names the API and the adapters found when it has none.
pub fn open_device(api: GraphicsApi) -> crate::Result<Device> {
    let adapters = list_adapters();
    let adapter = adapters.iter().find(|a| a.backend == api.name()).ok_or_else(|| {
        let found: Vec<String> = adapters.iter().map(|a| format!("#{} {} ({})", a.index, a.name, a.backend)).collect();
        crate::NeuroError::Device(format!(
            "no {} adapter; wgpu found: {}",
            api.name(),
            if found.is_empty() { "none".into() } else { found.join(", ") }
        ))
    })?;
    adapter.device().map_err(crate::NeuroError::Device)
}

/// One adapter, described the way a kernel engineer wants to see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdapterReport {
    /// Position in [`list_adapters`]'s answer.
    pub index: usize,
    /// Adapter name as the driver reports it.
    pub name: String,
    /// Vulkan, Metal, Dx12, Gl, ...
    pub backend: String,
    /// DiscreteGpu, IntegratedGpu, VirtualGpu, Cpu, Other.
    pub device_type: String,
    /// Driver name.
    pub driver: String,
    /// Driver version details.
    pub driver_info: String,
    /// `SHADER_F16`: our f16 kernels run here.
    pub shader_f16: bool,
    /// `SUBGROUP` operations, with the subgroup size range.
    pub subgroups: bool,
    /// Smallest and largest subgroup size (0, 0 without subgroups).
    pub subgroup_size: (u32, u32),
    /// `TIMESTAMP_QUERY`: device-side timing for benchmarks.
    pub timestamps: bool,
    /// Largest workgroup count in one dispatch dimension.
    pub max_workgroups_per_dimension: u32,
    /// Largest invocations per workgroup.
    pub max_invocations_per_workgroup: u32,
    /// Workgroup (shared) memory per workgroup, bytes.
    pub max_workgroup_storage_bytes: u32,
    /// Storage buffers one shader stage may bind.
    pub max_storage_buffers_per_stage: u32,
    /// Largest storage buffer binding, bytes.
    pub max_storage_binding_bytes: u64,
    #[serde(skip)]
    kind: DeviceKind,
    #[serde(skip)]
    backend_kind: wgpu::Backend,
}

impl AdapterReport {
    /// How our WGSL reaches this adapter: wgpu translates it with naga into the API's own
    /// shading language.
    pub fn shader_path(&self) -> &'static str {
        match self.backend.as_str() {
            "Vulkan" => "WGSL → SPIR-V (naga)",
            "Metal" => "WGSL → MSL (naga)",
            // FXC (shader model 5.1) has neither 16-bit types nor wave operations: an adapter
            // that reports SHADER_F16 on DX12 compiles with DXC.
            "Dx12" if self.shader_f16 => "WGSL → HLSL (naga) → DXC",
            "Dx12" => "WGSL → HLSL (naga) → FXC, or DXC on hardware without 16-bit shaders (no f16)",
            "Gl" => "WGSL → GLSL (naga)",
            _ => "WGSL (browser WebGPU)",
        }
    }

    /// Initializes Burn's wgpu runtime on this adapter and returns its device.
    ///
    /// Fails if the runtime for this adapter was already initialized (use the device you got
    /// then) or the adapter cannot create a device.
    pub fn device(&self) -> Result<Device, String> {
        let api = match self.backend_kind {
            wgpu::Backend::Vulkan => WgpuBackend::Vulkan,
            wgpu::Backend::Metal => WgpuBackend::Metal,
            wgpu::Backend::Dx12 => WgpuBackend::Dx12,
            wgpu::Backend::Gl => WgpuBackend::Gl,
            wgpu::Backend::BrowserWebGpu => WgpuBackend::WebGpu,
            wgpu::Backend::Noop => return Err(format!("adapter {} is a no-op adapter", self.name)),
        };
        Device::wgpu_options()
            .device_kind(self.kind.clone())
            .graphics_api(api)
            .init()
            .map_err(|e| format!("adapter #{} ({}): {e}", self.index, self.name))
    }
}

/// Every adapter wgpu finds, on every native graphics API compiled in.
pub fn list_adapters() -> Vec<AdapterReport> {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor { backends: wgpu::Backends::all(), ..wgpu::InstanceDescriptor::new_without_display_handle() });
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    let mut seen: Vec<(wgpu::Backend, wgpu::DeviceType)> = Vec::new();
    adapters
        .iter()
        .enumerate()
        .map(|(index, adapter)| {
            let info = adapter.get_info();
            let features = adapter.features();
            let limits = adapter.limits();
            // Burn selects "the n-th adapter of this type" within one graphics API.
            let ordinal = seen.iter().filter(|s| **s == (info.backend, info.device_type)).count();
            seen.push((info.backend, info.device_type));
            let kind = match info.device_type {
                wgpu::DeviceType::DiscreteGpu => DeviceKind::DiscreteGpu(ordinal),
                wgpu::DeviceType::IntegratedGpu => DeviceKind::IntegratedGpu(ordinal),
                wgpu::DeviceType::VirtualGpu => DeviceKind::VirtualGpu(ordinal),
                wgpu::DeviceType::Cpu => DeviceKind::Cpu,
                wgpu::DeviceType::Other => DeviceKind::DefaultDevice,
            };
            AdapterReport {
                index,
                name: info.name.clone(),
                backend: format!("{:?}", info.backend),
                device_type: format!("{:?}", info.device_type),
                driver: info.driver.clone(),
                driver_info: info.driver_info.clone(),
                shader_f16: features.contains(wgpu::Features::SHADER_F16),
                subgroups: features.contains(wgpu::Features::SUBGROUP),
                subgroup_size: (info.subgroup_min_size, info.subgroup_max_size),
                timestamps: features.contains(wgpu::Features::TIMESTAMP_QUERY),
                max_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
                max_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
                max_workgroup_storage_bytes: limits.max_compute_workgroup_storage_size,
                max_storage_buffers_per_stage: limits.max_storage_buffers_per_shader_stage,
                max_storage_binding_bytes: limits.max_storage_buffer_binding_size,
                kind,
                backend_kind: info.backend,
            }
        })
        .collect()
}
