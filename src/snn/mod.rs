//! Spiking-network modules for Burn models.

mod leaky;
mod precision;

pub use leaky::{Leaky, LeakyConfig};
pub use precision::cast_weights;
