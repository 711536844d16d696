//! `DeviceArray`: a tensor of pulsed devices, programmed once, then updated by signed pulse counts.

use burn::backend::Dispatch;
use burn::tensor::{DType, Device, Tensor};

use super::device::PulsedDevice;
use crate::backend::PulsedUpdateOps;
use crate::device::compute_path;
use crate::error::{NeuroError, Result};
use crate::kernels::pulsed_update::{DeviceState, PulsedParams};

/// The most pulses one update may apply to one device (the kernel applies them one by one).
pub const MAX_PULSES_PER_UPDATE: u32 = 65_535;

/// Pulsed devices holding a weight each, in any shape (flattened internally).
///
/// Device-to-device parameters are drawn from `seed` and each device's index and are the same at
/// every update; pulse and write noise are drawn from (seed, device, update step, pulse).
#[derive(Debug, Clone)]
pub struct DeviceArray {
    device: PulsedDevice,
    seed: u64,
    /// Updates applied so far (the step of the next one).
    step: u32,
    /// Held weight, read weight, writes and pulses, each `[devices]`.
    state: DeviceState<Tensor<1>>,
    shape: Vec<usize>,
}

impl DeviceArray {
    /// Devices of model `device` programmed to `weights` (clipped to each device's bounds; the
    /// read weights get write noise when `apply_write_noise_on_set`), keyed by `seed`.
    pub fn program<const D: usize>(weights: Tensor<D>, device: &PulsedDevice, seed: u64) -> Result<Self> {
        device.validate()?;
        compute_path(&weights.device())?;
        let shape = weights.dims().to_vec();
        let count = check_devices(&shape)?;
        let dev = weights.device();
        let zeros = || Tensor::<1>::zeros([count], (&dev, DType::F32));
        let state = DeviceState { held: zeros(), seen: zeros(), writes: zeros(), applied: zeros() };
        let targets = weights.cast(DType::F32).reshape([count]);
        // Programming draws its write noise at a step no update reaches.
        let params = PulsedParams::new(device, count, seed, u32::MAX, true);
        let state = launch(state, targets, params);
        Ok(DeviceArray { device: device.clone(), seed, step: 0, state, shape })
    }

    /// Rebuilds an array from a saved state and update count.
    pub(crate) fn from_state(device: PulsedDevice, seed: u64, step: u32, state: DeviceState<Tensor<1>>, shape: Vec<usize>) -> Self {
        DeviceArray { device, seed, step, state, shape }
    }

    /// Applies `pulses` (same shape as the weights; integers, `+k` = k up pulses, `−k` = k down
    /// pulses, at most [`MAX_PULSES_PER_UPDATE`] either way) through the device model.
    ///
    /// Reads the counts back once to check them; [`apply_unchecked`](Self::apply_unchecked)
    /// skips that for callers that produce valid counts.
    pub fn apply<const D: usize>(&mut self, pulses: Tensor<D>) -> Result<()> {
        if pulses.dims().as_slice() != self.shape.as_slice() {
            return Err(NeuroError::Shape {
                argument: "pulses",
                actual: pulses.dims().to_vec(),
                expected: format!("{:?} (the devices' shape)", self.shape),
            });
        }
        let values = pulses.clone().cast(DType::F32).into_data().iter::<f32>().collect::<Vec<_>>();
        if let Some(bad) = values.iter().find(|v| !v.is_finite() || v.fract() != 0.0 || v.abs() > MAX_PULSES_PER_UPDATE as f32) {
            return Err(NeuroError::Range {
                argument: "pulses",
                value: bad.to_string(),
                expected: format!("integer pulse counts within ±{MAX_PULSES_PER_UPDATE}"),
            });
        }
        self.apply_unchecked(pulses);
        Ok(())
    }

    /// [`apply`](Self::apply) without reading the counts back: they must be integers within
    /// ±[`MAX_PULSES_PER_UPDATE`] (fractions truncate toward zero; larger counts are clamped to
    /// that bound; a NaN count is undefined on a GPU).
    pub fn apply_unchecked<const D: usize>(&mut self, pulses: Tensor<D>) {
        let count = self.len();
        let params = PulsedParams::new(&self.device, count, self.seed, self.step, false);
        let pulses = pulses.cast(DType::F32).reshape([count]);
        // Moved out (one-element placeholders meanwhile), so the kernel can write the buffers in
        // place unless the caller still holds them.
        let device = self.device();
        let placeholder = || Tensor::<1>::empty([1], (&device, DType::F32));
        let state = std::mem::replace(
            &mut self.state,
            DeviceState { held: placeholder(), seen: placeholder(), writes: placeholder(), applied: placeholder() },
        );
        self.state = launch(state, pulses, params);
        self.step = self.step.wrapping_add(1);
    }

    /// Number of devices.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the array holds no device.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The devices' model.
    pub fn model(&self) -> &PulsedDevice {
        &self.device
    }

    /// The seed of the device draws and noise.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Updates applied so far.
    pub fn steps(&self) -> u32 {
        self.step
    }

    /// The raw state, each array `[devices]`.
    pub fn state(&self) -> DeviceState<Tensor<1>> {
        self.state.clone()
    }

    fn shaped<const D: usize>(&self, values: &Tensor<1>) -> Tensor<D> {
        let shape: [usize; D] = self.shape.clone().try_into().unwrap_or_else(|_| panic!("rank {D} asked of devices of shape {:?}", self.shape));
        values.clone().reshape(shape)
    }

    /// The weights a read sees (held weights plus write noise). Panics if `D` is not the rank of
    /// the programmed weights.
    pub fn weights<const D: usize>(&self) -> Tensor<D> {
        self.shaped(&self.state.seen)
    }

    /// The weights the devices hold (without write noise).
    pub fn held_weights<const D: usize>(&self) -> Tensor<D> {
        self.shaped(&self.state.held)
    }

    /// Per device: updates that applied at least one pulse.
    pub fn writes<const D: usize>(&self) -> Tensor<D> {
        self.shaped(&self.state.writes)
    }

    /// Per device: pulses applied.
    pub fn pulses<const D: usize>(&self) -> Tensor<D> {
        self.shaped(&self.state.applied)
    }

    /// The device the state lives on.
    pub fn device(&self) -> Device {
        self.state.held.device()
    }
}

fn launch(state: DeviceState<Tensor<1>>, counts: Tensor<1>, params: PulsedParams) -> DeviceState<Tensor<1>> {
    let (held, seen, writes, applied) = Dispatch::pulsed_update(
        state.held.into_dispatch(),
        state.seen.into_dispatch(),
        state.writes.into_dispatch(),
        state.applied.into_dispatch(),
        counts.into_dispatch(),
        params,
    );
    DeviceState {
        held: Tensor::from_dispatch(held),
        seen: Tensor::from_dispatch(seen),
        writes: Tensor::from_dispatch(writes),
        applied: Tensor::from_dispatch(applied),
    }
}

fn check_devices(shape: &[usize]) -> Result<usize> {
    let count: usize = shape.iter().product();
    if count == 0 {
        return Err(NeuroError::Shape { argument: "weights", actual: shape.to_vec(), expected: "at least one device".into() });
    }
    if count > u32::MAX as usize {
        return Err(NeuroError::TooLarge { argument: "weights", detail: format!("{count} devices; at most {} per array", u32::MAX) });
    }
    Ok(count)
}
