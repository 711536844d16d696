//! Low-bit weights for spiking networks whose synapses must fit on hardware.
//!
//! - [`WeightQuant`]: per-tensor fake quantization to b-bit signed integers (Brevitas' default
//!   weight quantizer, as the 4-bit QSNN recipes use it) or sign binarization (the binarized
//!   SNNs of the threshold-annealing recipes), both with a straight-through gradient;
//! - [`QuantLinear`] and [`QuantConv2d`]: Burn's `Linear` / `Conv2d` with a [`WeightQuant`]
//!   applied to the weight at every forward (the f32 master weight is what the optimizer trains);
//! - [`ThresholdAnnealing`]: θ ← θ + α·(θ_f − θ) after every optimizer step, on the device.
//!
//! A periodic cosine learning rate (PyTorch's `CosineAnnealingLR` stepped every iteration,
//! η falling to 0 at `T_max` and back to η₀ at `2·T_max`) is Burn's own
//! `burn::optim::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig`: its closed form has
//! the same semantics (no restarts, the iteration counter grows without bound).

mod layers;
mod threshold;
mod weight;

pub use layers::{QuantConv2d, QuantConv2dConfig, QuantLinear, QuantLinearConfig};
pub use threshold::ThresholdAnnealing;
pub use weight::{WeightQuant, binarize, fake_quantize};
