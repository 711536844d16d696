//! The power side channel of an analog in-memory accelerator: what a user's input leaks
//! through the power a crossbar draws, and how well it can be recovered.
//!
//! A convolution mapped by im2col reads one input patch per output pixel, and a read with
//! row voltages `V_i` into virtual-ground columns dissipates `P = Σ_i V_i²·g_i`, `g_i` the
//! row's total conductance. With similar `g_i` each sample is a box-filtered (squared, for
//! amplitude encoding) copy of the patch, so the trace laid out on the output grid is a
//! low-resolution image of the input — without any knowledge of the model ([`raw_leak`]).
//! A generator trained on simulated (trace, image) pairs sharpens it ([`train_reconstructor`]).
//!
//! - [`PowerProbe`]: one sample per read of an [`AnalogConv2d`](crate::analog::AnalogConv2d)'s
//!   programmed crossbar, amplitude or pulse-width encoding, measurement noise
//!   `P + N(0, (ρ·max P)²)`, and three countermeasures (random row permutation per read, dummy
//!   rows, constant-power complementary rows).
//! - [`metrics`]: SSIM, PSNR, Pearson correlation.
//!
//! `burn-neuro sidechannel` runs the whole study (ρ sweep × countermeasures, tables and an
//! image grid).
//!
//! ```no_run
//! use burn::nn::conv::Conv2dConfig;
//! use burn_neuro::analog::sidechannel::{PowerProbe, ProbeSettings, raw_leak};
//! use burn_neuro::analog::{AnalogConv2d, CrossbarConfig};
//! # fn main() -> burn_neuro::Result<()> {
//! let device = burn::tensor::Device::default();
//! // The victim: a first convolution on an RRAM crossbar (its weights unknown to the attacker).
//! let conv = AnalogConv2d::from_conv2d(Conv2dConfig::new([1, 8], [3, 3]).init(&device), CrossbarConfig::rram(), 0.0)?;
//! let images = burn::tensor::Tensor::<4>::zeros([4, 1, 28, 28], &device);
//! let probe = PowerProbe::new(&conv, ProbeSettings { noise: 0.2, ..ProbeSettings::default() })?;
//! let trace = probe.trace(images)?; // [N, H', W'] µW, one sample per crossbar read
//! let leak = raw_leak(trace, [28, 28]); // [N, 1, 28, 28] in [0, 1]
//! # Ok(())
//! # }
//! ```

mod attack;
pub mod metrics;
mod probe;

pub use attack::{Reconstructor, TrainSettings, raw_leak, train_reconstructor};
pub use probe::{Countermeasure, PowerEncoding, PowerProbe, ProbeSettings};
