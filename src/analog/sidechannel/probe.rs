//! What an adversary measures: one power sample per crossbar read of a convolution.

use burn::tensor::module::unfold4d;
use burn::tensor::ops::UnfoldOptions;
use burn::tensor::{DType, Int, Tensor, TensorData};

use crate::analog::{AnalogConv2d, CrossbarConfig, ProgrammedCrossbar};
use crate::error::{NeuroError, Result};
use crate::rng::{SplitMix64, normal_from, philox, uniform_from};

/// How an input value becomes the read's drive, and so what a read dissipates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PowerEncoding {
    /// The input sets the row voltage: `P = Σ_i V_i²·g_i` (the crossbar kernels' power trace).
    Amplitude,
    /// The input sets how long a full-scale pulse lasts (pulse-width or bit-serial): the
    /// read's mean power is `Σ_i |x_i|·V²·g_i`.
    PulseWidth,
}

/// A defence against the power side channel.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Countermeasure {
    /// None.
    None,
    /// Every read maps the input vector onto a fresh random permutation of the rows, so each
    /// input meets another row's conductance.
    RowPermutation,
    /// `rows` extra rows (at the mean row conductance) driven with uniform random inputs on
    /// every read.
    DummyRows {
        /// How many.
        rows: usize,
    },
    /// A complementary row per row (its own programmed copy of the kernel) driven so that
    /// `f(x) + f(x̄) = 1`: the total is constant where the two copies' conductances agree.
    ConstantPower,
}

impl Countermeasure {
    /// A short name for tables.
    pub fn name(&self) -> String {
        match self {
            Countermeasure::None => "none".into(),
            Countermeasure::RowPermutation => "row permutation".into(),
            Countermeasure::DummyRows { rows } => format!("{rows} dummy rows"),
            Countermeasure::ConstantPower => "constant power".into(),
        }
    }
}

/// The measurement.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProbeSettings {
    /// Drive encoding.
    pub encoding: PowerEncoding,
    /// ρ: Gaussian measurement noise of σ = ρ·max P (the maximum over each image's trace).
    pub noise: f32,
    /// Defence in place.
    pub countermeasure: Countermeasure,
    /// Seed of the noise, the permutations and the dummy inputs.
    pub seed: u64,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings { encoding: PowerEncoding::Amplitude, noise: 0.0, countermeasure: Countermeasure::None, seed: 0 }
    }
}

/// Philox counter words that keep the measurement noise and the dummy inputs apart.
const NOISE_STREAM: u32 = 0x0004_015E;
const DUMMY_STREAM: u32 = 0x00D0;

/// Images a probe's trace is computed for at once (bounds the permutation indices' memory).
const CHUNK: usize = 64;

/// A power probe on a convolution's crossbar (the first layer an input meets). Each output
/// pixel's patch is one crossbar read (im2col), and each read gives one power sample.
///
/// The drive is the DAC's: the input clipped to `±input_bound`, quantized to the crossbar's
/// input step, at `read_voltage` for full scale (noise management's per-read rescaling, a
/// digital pre-scale, is not applied: the probe sees the patch's own amplitude). Conductances
/// are the programmed ones — programming noise, levels, device variation and stuck devices
/// included — summed over each row's columns (both devices of each pair).
#[derive(Debug, Clone)]
pub struct PowerProbe {
    /// `[rows]` µS: each row's total conductance.
    rows: Tensor<1>,
    /// `[rows]` µS: the complementary rows of [`Countermeasure::ConstantPower`].
    complement: Option<Tensor<1>>,
    kernel: [usize; 2],
    channels: usize,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    input_bound: f32,
    /// DAC step in units of the bound (0: continuous).
    step: f32,
    read_voltage: f32,
    settings: ProbeSettings,
}

fn row_sums(crossbar: &ProgrammedCrossbar) -> Tensor<1> {
    let planes = crossbar.planes();
    let [_, inputs, _] = planes.dims();
    planes.slice(0..2).sum_dim(0).sum_dim(2).reshape([inputs]).cast(DType::F32)
}

impl PowerProbe {
    /// A probe on `conv` as its crossbar configuration programs it.
    pub fn new(conv: &AnalogConv2d, settings: ProbeSettings) -> Result<PowerProbe> {
        if !(settings.noise.is_finite() && settings.noise >= 0.0) {
            return Err(NeuroError::Range {
                argument: "noise",
                value: settings.noise.to_string(),
                expected: "ρ ≥ 0 (a fraction of the trace's maximum)".into(),
            });
        }
        if let Countermeasure::DummyRows { rows: 0 } = settings.countermeasure {
            return Err(NeuroError::Range { argument: "countermeasure", value: "0 dummy rows".into(), expected: "at least 1 dummy row".into() });
        }
        let [_, channels, kh, kw] = conv.weight.dims();
        let config: &CrossbarConfig = &conv.crossbar;
        let rows = row_sums(&conv.program()?);
        let complement = match settings.countermeasure {
            Countermeasure::ConstantPower => {
                // A second programming of the same kernel: its own noise and variation.
                let copy = config.clone().with_seed(config.seed ^ 0x5EED_C0DE_u64);
                let [out, cin, kh, kw] = conv.weight.dims();
                let matrix = conv.weight.val().reshape([out, cin * kh * kw]).transpose();
                Some(row_sums(&ProgrammedCrossbar::program(matrix, &copy)?))
            }
            _ => None,
        };
        Ok(PowerProbe {
            rows,
            complement,
            kernel: [kh, kw],
            channels,
            stride: conv.stride,
            padding: conv.padding,
            dilation: conv.dilation,
            input_bound: config.input_bound,
            step: config.input_step() / config.input_bound,
            read_voltage: config.read_voltage,
            settings,
        })
    }

    /// The settings.
    pub fn settings(&self) -> &ProbeSettings {
        &self.settings
    }

    /// Each row's total conductance (µS), `[in_channels·kh·kw]`.
    pub fn row_conductances(&self) -> Tensor<1> {
        self.rows.clone()
    }

    /// The trace's grid for `[height, width]` inputs.
    pub fn grid(&self, [height, width]: [usize; 2]) -> Result<[usize; 2]> {
        let size = |n: usize, k: usize, s: usize, p: usize, d: usize| {
            let span = d * (k - 1) + 1;
            (n + 2 * p).checked_sub(span).map(|free| free / s + 1)
        };
        match (
            size(height, self.kernel[0], self.stride[0], self.padding[0], self.dilation[0]),
            size(width, self.kernel[1], self.stride[1], self.padding[1], self.dilation[1]),
        ) {
            (Some(h), Some(w)) if h > 0 && w > 0 => Ok([h, w]),
            _ => Err(NeuroError::Shape {
                argument: "images",
                actual: vec![height, width],
                expected: format!("images at least as large as the {:?} kernel (with padding {:?})", self.kernel, self.padding),
            }),
        }
    }

    /// `[N, H', W']` power samples (µW) of `images` `[N, C, H, W]`, one per read, in read order.
    pub fn trace(&self, images: Tensor<4>) -> Result<Tensor<3>> {
        let [count, channels, height, width] = images.dims();
        if channels != self.channels || count == 0 {
            return Err(NeuroError::Shape {
                argument: "images",
                actual: images.dims().to_vec(),
                expected: format!("[N ≥ 1, {}, H, W]", self.channels),
            });
        }
        let [gh, gw] = self.grid([height, width])?;
        let mut parts = Vec::new();
        for start in (0..count).step_by(CHUNK) {
            let end = (start + CHUNK).min(count);
            let chunk = images.clone().slice(start..end);
            parts.push(self.clean(chunk, start)?);
        }
        let clean = Tensor::cat(parts, 0);
        let noisy = if self.settings.noise > 0.0 { self.add_noise(clean) } else { clean };
        Ok(noisy.reshape([count, gh, gw]))
    }

    /// `[n, reads]` noise-free power of images `first..first + n`.
    fn clean(&self, images: Tensor<4>, first: usize) -> Result<Tensor<2>> {
        let [n, _, _, _] = images.dims();
        let device = images.device();
        let patches = unfold4d(images.cast(DType::F32), self.kernel, UnfoldOptions::new(self.stride, self.padding, self.dilation));
        let [_, rows, reads] = patches.dims();
        // [n, rows, reads] → the DAC's value in units of the bound, in [−1, 1].
        let mut x = patches.div_scalar(self.input_bound).clamp(-1.0, 1.0);
        if self.step > 0.0 {
            x = x.div_scalar(self.step).round().mul_scalar(self.step);
        }
        let f = match self.settings.encoding {
            PowerEncoding::Amplitude => x.clone().powi_scalar(2),
            PowerEncoding::PulseWidth => x.abs(),
        };
        let v2 = self.read_voltage * self.read_voltage;
        let rows_b = |g: &Tensor<1>| g.clone().reshape([1, rows, 1]);
        let power = match self.settings.countermeasure {
            Countermeasure::None | Countermeasure::DummyRows { .. } => (f.clone() * rows_b(&self.rows)).sum_dim(1),
            Countermeasure::ConstantPower => {
                let complement = self.complement.as_ref().expect("programmed with the probe");
                (f.clone() * rows_b(&self.rows) + f.clone().neg().add_scalar(1.0) * rows_b(complement)).sum_dim(1)
            }
            Countermeasure::RowPermutation => {
                // Read r of image i meets the rows in the order of its own permutation.
                let mut indices = Vec::with_capacity(n * reads * rows);
                for image in 0..n {
                    for read in 0..reads {
                        let id = ((first + image) * reads + read) as u64;
                        let mut rng = SplitMix64(self.settings.seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                        let mut order: Vec<i64> = (0..rows as i64).collect();
                        for k in (1..rows).rev() {
                            let j = (rng.next_u64() % (k as u64 + 1)) as usize;
                            order.swap(k, j);
                        }
                        indices.extend(order);
                    }
                }
                let index = Tensor::<1, Int>::from_data(TensorData::new(indices, [n * reads * rows]), &device);
                // [n, reads, rows] conductances, then back to [n, rows, reads].
                let g = self.rows.clone().select(0, index).reshape([n, reads, rows]).swap_dims(1, 2);
                (f.clone() * g).sum_dim(1)
            }
        };
        let mut power = power.reshape([n, reads]).mul_scalar(v2);
        if let Countermeasure::DummyRows { rows: dummies } = self.settings.countermeasure {
            let mean = self.rows.clone().mean().into_data().iter::<f32>().next().unwrap_or(0.0);
            let mut extra = Vec::with_capacity(n * reads);
            for image in 0..n {
                for read in 0..reads {
                    let id = ((first + image) * reads + read) as u32;
                    let mut sum = 0.0f32;
                    for d in 0..dummies {
                        let u = uniform_from(philox([id, d as u32, DUMMY_STREAM, 0], key(self.settings.seed))[0]);
                        sum += match self.settings.encoding {
                            PowerEncoding::Amplitude => u * u,
                            PowerEncoding::PulseWidth => u,
                        };
                    }
                    extra.push(sum * mean * v2);
                }
            }
            power = power + Tensor::<2>::from_data(TensorData::new(extra, [n, reads]), &device);
        }
        Ok(power)
    }

    /// `P + N(0, (ρ·max P)²)`, the maximum taken over each image's trace.
    fn add_noise(&self, clean: Tensor<2>) -> Tensor<2> {
        let [n, reads] = clean.dims();
        let device = clean.device();
        let scale = clean.clone().max_dim(1).mul_scalar(self.settings.noise);
        let normals: Vec<f32> =
            (0..n * reads).map(|i| normal_from(philox([i as u32, (i >> 32) as u32, NOISE_STREAM, 0], key(self.settings.seed)))).collect();
        clean + Tensor::<2>::from_data(TensorData::new(normals, [n, reads]), &device) * scale
    }
}

fn key(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}
