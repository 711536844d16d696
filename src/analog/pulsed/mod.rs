//! Training on simulated devices: pulsed device models with aihwkit's formulas, a device array
//! updated by pulse counts on the GPU, and the on-chip optimizers (mixed precision and plain
//! analog SGD) that train `AnalogLinear` / `AnalogConv2d` weights as device states.

pub mod array;
pub mod device;
pub mod optim;

pub use array::{DeviceArray, MAX_PULSES_PER_UPDATE};
pub use device::{PulsedDevice, StepModel};
pub use optim::{ArrayActivity, OnChipConfig, OnChipOptimizer, OnChipScheme, OnChipState, param_group};
