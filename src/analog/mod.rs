//! Analog in-memory computing: memristor crossbar simulation with injected non-idealities.

pub mod config;
pub mod conv;
pub mod crossbar;
pub mod linear;
pub mod mapping;
pub mod pulsed;
pub mod sidechannel;
mod training;

pub use config::CrossbarConfig;
pub use conv::AnalogConv2d;
pub use crossbar::{ProgrammedCrossbar, ReadTraces};
pub use linear::{AnalogBackward, AnalogLinear, AnalogLinearConfig};
pub use pulsed::{DeviceArray, OnChipConfig, OnChipOptimizer, OnChipScheme, PulsedDevice, StepModel};
pub use training::UpdateQuantization;
