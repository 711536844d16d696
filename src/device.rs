//! Device checks shared by every op: which compute path a device takes, whether our WGSL can
//! run there, and whether it stores f16.

use std::sync::Mutex;

use burn::backend::DispatchDevice;
use burn::tensor::wgpu::{WgpuSetup, wgpu};
use burn::tensor::{DType, Device};

use crate::error::{NeuroError, Result};

/// Features of wgpu devices that were created by the application rather than by Burn.
///
/// Burn derives a device's dtypes from its *adapter*; a device created with fewer features than
/// its adapter (for example without `SHADER_F16`) would then accept an f16 kernel and fail at
/// pipeline creation. Devices registered through [`register_wgpu_setup`] are checked against
/// their real features instead.
static REGISTERED: Mutex<Vec<(Device, wgpu::Features)>> = Mutex::new(Vec::new());

/// Registers an application-created wgpu device/queue with Burn and returns its Burn device.
///
/// Use this instead of `Device::wgpu_options().setup(..)` so that burn-neuro checks f16 support
/// against the features the device was really created with.
pub fn register_wgpu_setup(setup: WgpuSetup) -> Result<Device> {
    let features = setup.device.features();
    let device = Device::wgpu_options().setup(setup).init().map_err(|e| NeuroError::Device(format!("registering the wgpu setup failed: {e}")))?;
    REGISTERED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push((device.clone(), features));
    Ok(device)
}

fn supports_f16(device: &Device) -> bool {
    let plain = device.clone().without_autodiff();
    let registered = REGISTERED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match registered.iter().find(|(d, _)| *d == plain) {
        Some((_, features)) => features.contains(wgpu::Features::SHADER_F16),
        None => device.supports_dtype(DType::F16),
    }
}

/// Where an op on a device will run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComputePath {
    /// Our WGSL kernels on a wgpu adapter (the client name, e.g. `wgpu<wgsl>`).
    Wgsl(&'static str),
    /// The CPU reference on Burn's Flex backend.
    Cpu,
    /// A device a remote server hosts (only with the feature `remote`): the server runs the op
    /// on its own device, either of the above.
    Remote,
}

/// Classifies `device`, failing with a clear message where our kernels cannot run.
pub fn compute_path(device: &Device) -> Result<ComputePath> {
    let device = device.clone().without_autodiff();
    match device.as_dispatch() {
        DispatchDevice::Cube(cube) => {
            let name = cube.client().name();
            if name.contains("wgsl") {
                Ok(ComputePath::Wgsl(name))
            } else {
                Err(NeuroError::Device(format!(
                    "burn-neuro's kernels are WGSL and this device compiles for `{name}`. \
                     Enable Burn's plain `wgpu` feature only (not `vulkan`, `metal`, `cuda`), \
                     or run on the CPU device"
                )))
            }
        }
        DispatchDevice::Flex(_) => Ok(ComputePath::Cpu),
        #[cfg(feature = "remote")]
        DispatchDevice::Remote(_) => Ok(ComputePath::Remote),
        other => Err(NeuroError::Device(format!("unsupported device {other:?}: use a wgpu device or the Flex CPU device"))),
    }
}

/// Checks that `device` can store `dtype` for our kernels (f32 always; f16 needs `SHADER_F16`).
pub fn check_storage_dtype(device: &Device, argument: &'static str, dtype: DType) -> Result<()> {
    match dtype {
        DType::F32 => Ok(()),
        DType::F16 => {
            if supports_f16(device) {
                Ok(())
            } else {
                Err(NeuroError::Device(format!(
                    "`{argument}` is f16 but this adapter lacks SHADER_F16 (16-bit float \
                     shaders); cast it to f32"
                )))
            }
        }
        other => Err(NeuroError::DType { argument, actual: format!("{other:?}"), expected: "F32 or F16".into() }),
    }
}

/// Largest buffer one kernel binding may use on `device`, in bytes (`None` on the CPU).
pub fn max_binding_bytes(device: &Device) -> Option<u64> {
    let device = device.clone().without_autodiff();
    match device.as_dispatch() {
        DispatchDevice::Cube(cube) => Some(cube.client().properties().memory.max_page_size),
        _ => None,
    }
}

/// Checks one kernel buffer, `shape` of `element_bytes`-byte elements: every element
/// addressable with the kernels' u32 indices and its bytes within `device`'s binding limit.
/// Errors name `argument`, the buffer (`what`) and `advice` (what to split).
pub fn check_buffer(device: &Device, argument: &'static str, what: &str, shape: &[usize], element_bytes: usize, advice: &str) -> Result<()> {
    let values = shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d));
    let Some(values) = values.filter(|v| *v <= u32::MAX as usize) else {
        return Err(NeuroError::TooLarge {
            argument,
            detail: format!("its {what} {shape:?} holds more than the 2^32 values a kernel indexes; {advice}"),
        });
    };
    let bytes = (values * element_bytes) as u64;
    match max_binding_bytes(device) {
        Some(limit) if bytes > limit => Err(NeuroError::TooLarge {
            argument,
            detail: format!("its {bytes}-byte {what} {shape:?} exceeds this adapter's {limit}-byte binding limit; {advice}"),
        }),
        _ => Ok(()),
    }
}

/// Bytes of device memory held by live tensors right now (after a sync), `None` on the CPU.
/// Counts what allocations asked for, not the pool's reserved pages.
pub fn bytes_in_use(device: &Device) -> Option<u64> {
    device.sync().ok()?;
    let device = device.clone().without_autodiff();
    match device.as_dispatch() {
        DispatchDevice::Cube(cube) => Some(cube.client().memory_report(burn::cubecl::MemoryScope::Device).usage().bytes_in_use),
        _ => None,
    }
}
