//! Spiking-network modules for Burn models.

mod alpha;
mod graded;
mod lapicque;
mod leaky;
pub mod loss;
mod parameter;
mod precision;
mod recurrent;
pub mod spikegen;
mod spiking_linear;
mod synaptic;
pub mod truncated;

pub use alpha::{Alpha, AlphaConfig};
pub use lapicque::{Lapicque, LapicqueConfig};
pub use leaky::{Leaky, LeakyConfig};
pub use precision::cast_weights;
pub use recurrent::{RLeaky, RLeakyConfig};
pub use spiking_linear::{SpikingLinear, SpikingLinearConfig};
pub use synaptic::{Synaptic, SynapticConfig};
