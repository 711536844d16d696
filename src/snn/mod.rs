//! Spiking-network modules for Burn models.

mod leaky;
pub mod loss;
mod precision;
pub mod spikegen;
mod spiking_linear;

pub use leaky::{Leaky, LeakyConfig};
pub use precision::cast_weights;
pub use spiking_linear::{SpikingLinear, SpikingLinearConfig};
