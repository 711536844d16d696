//! Deep echo-state networks (Gallicchio and Micheli's DeepESN): sub-reservoirs in series, each
//! layer driven by the states of the one below, read out together by ridge regression
//! ([`super::readout`]). Moon and Lu (Neuromorph. Comput. Eng. 2021) report that such stacks beat
//! one reservoir of the same total size and that later stages hold the slower components.
//!
//! ```text
//! layer l:  x^l_t = (1 − a)·x^l_{t−1} + a·tanh(W_in^l·u^l_t + b^l + W^l·x^l_{t−1})
//!           u^1_t = u_t,   u^l_t = x^{l−1}_t
//! ```
//!
//! W^l is random and sparse (each unit has about `density`·N inputs, at least one), rescaled to
//! the spectral radius ρ; W_in^l and b^l are uniform in ±`input_scaling` (±`inter_scaling` above
//! the first layer) and ±`bias_scaling`. Each layer runs its whole sequence in one launch
//! ([`esn_layer`]: the state stays in workgroup memory); the input projections of all steps are
//! one matmul. With [`EsnNode::Wox`] the layers are instead WOx memristors (Du et al. 2017,
//! [`super::wox_node`]) with no recurrent matrix: the device's decaying state is the memory, and
//! `V_t = WOX_MAX_VOLTAGE·(1 + tanh(W_in·u_t + b))/2` its input pulse (unipolar, so a drive of 0
//! is a half-amplitude pulse). A WOx layer passes its state w up and to the readout.

use burn::backend::Dispatch;
use burn::tensor::{DType, Device, Tensor, TensorData};
use nalgebra::DMatrix;

use super::wox::{WoxParams, wox_node};
use crate::backend::EsnLayerOps;
use crate::device::{check_buffer, compute_path};
use crate::error::{NeuroError, Result};
use crate::kernels::esn_layer::{ESN_MAX_UNITS, EsnLayerParams};
use crate::rng::SplitMix64 as Rng;

/// Largest pulse amplitude a WOx layer applies (V). The device's growth is strongly thresholded
/// (λ·sinh(η·V)): with the default constants a 1 V pulse (a drive of 0) grows w by 1.5e-3 per
/// 1 ms step, a 1.5 V pulse by 0.08 and a 2 V pulse saturates it, against a relaxation of 2 %
/// of w − w_min per step; the drive spans that range.
pub const WOX_MAX_VOLTAGE: f32 = 2.0;

/// What a reservoir unit is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EsnNode {
    /// A leaky tanh unit with recurrent weights (the DeepESN formulation).
    Tanh,
    /// A WOx dynamic memristor (no recurrent weights; its state is the memory).
    Wox(WoxParams),
}

/// How to build a [`DeepEsn`].
#[derive(Debug, Clone, PartialEq)]
pub struct DeepEsnConfig {
    /// Units per layer, bottom first; one entry is a plain (shallow) reservoir.
    pub sizes: Vec<usize>,
    /// Spectral radius ρ of every recurrent matrix.
    pub spectral_radius: f64,
    /// Half-width of the first layer's input weights.
    pub input_scaling: f64,
    /// Half-width of the weights from one layer to the next.
    pub inter_scaling: f64,
    /// Leak rate a in (0, 1] (1: no leak integration).
    pub leak: f64,
    /// Share of non-zero recurrent weights, in (0, 1].
    pub density: f64,
    /// Half-width of the biases.
    pub bias_scaling: f64,
    /// Seed of every random weight.
    pub seed: u64,
    /// The unit model.
    pub node: EsnNode,
}

impl Default for DeepEsnConfig {
    fn default() -> Self {
        DeepEsnConfig {
            sizes: vec![100],
            spectral_radius: 0.9,
            input_scaling: 1.0,
            inter_scaling: 1.0,
            leak: 1.0,
            density: 0.1,
            bias_scaling: 0.1,
            seed: 0,
            node: EsnNode::Tanh,
        }
    }
}

impl DeepEsnConfig {
    /// Checks every setting.
    pub fn check(&self) -> Result<()> {
        if self.sizes.is_empty() {
            return Err(NeuroError::Range { argument: "sizes", value: "[]".into(), expected: "at least one layer".into() });
        }
        if let Some(bad) = self.sizes.iter().find(|&&n| n == 0 || n > ESN_MAX_UNITS) {
            return Err(NeuroError::Range {
                argument: "sizes",
                value: bad.to_string(),
                expected: format!("1 to {ESN_MAX_UNITS} units per layer (a layer's state lives in workgroup memory); stack more layers instead"),
            });
        }
        let non_negative = [
            ("spectral_radius", self.spectral_radius),
            ("input_scaling", self.input_scaling),
            ("inter_scaling", self.inter_scaling),
            ("bias_scaling", self.bias_scaling),
        ];
        for (argument, value) in non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a finite value >= 0".into() });
            }
        }
        for (argument, value) in [("leak", self.leak), ("density", self.density)] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a value in (0, 1]".into() });
            }
        }
        if let EsnNode::Wox(params) = &self.node {
            params.check()?;
        }
        Ok(())
    }
}

/// One layer's fixed weights.
#[derive(Debug, Clone)]
struct Layer {
    /// `[inputs, N]`.
    w_in: Tensor<2>,
    /// `[N]`.
    bias: Tensor<1>,
    /// Wᵀ, `[N, N]` (tanh units only).
    weight_t: Option<Tensor<2>>,
}

/// A deep echo-state network with fixed random weights on a device.
#[derive(Debug, Clone)]
pub struct DeepEsn {
    config: DeepEsnConfig,
    layers: Vec<Layer>,
    inputs: usize,
}

/// A random sparse `[n, n]` matrix (row-major, W[i][j] at i·n + j) with spectral radius `rho`:
/// every row gets at least one non-zero weight so no unit is cut off from the others. The
/// radius is computed exactly (real Schur form, in f64), not estimated by power iteration,
/// which does not converge when the largest eigenvalues are a complex pair.
fn recurrent_matrix(n: usize, density: f64, rho: f64, rng: &mut Rng) -> Vec<f64> {
    let mut w = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            if rng.uniform() < density {
                w[i * n + j] = rng.symmetric(1.0);
            }
        }
        if w[i * n..(i + 1) * n].iter().all(|v| *v == 0.0) {
            let j = ((rng.uniform() * n as f64) as usize).min(n - 1);
            w[i * n + j] = rng.symmetric(1.0);
        }
    }
    let radius = DMatrix::from_row_slice(n, n, &w).complex_eigenvalues().iter().map(|e| e.norm()).fold(0.0, f64::max);
    if radius > 0.0 {
        w.iter_mut().for_each(|v| *v *= rho / radius);
    }
    w
}

impl DeepEsn {
    /// Draws the weights for `inputs` input channels and puts them on `device`.
    pub fn new(config: &DeepEsnConfig, inputs: usize, device: &Device) -> Result<DeepEsn> {
        config.check()?;
        if inputs == 0 {
            return Err(NeuroError::Range { argument: "inputs", value: "0".into(), expected: "at least one input channel".into() });
        }
        compute_path(device)?;
        let mut rng = Rng(config.seed ^ 0xD1B5_4A32_D192_ED03);
        let mut layers = Vec::with_capacity(config.sizes.len());
        let mut fan_in = inputs;
        for (l, &n) in config.sizes.iter().enumerate() {
            let scale = if l == 0 { config.input_scaling } else { config.inter_scaling };
            let w_in: Vec<f32> = (0..fan_in * n).map(|_| rng.symmetric(scale) as f32).collect();
            let bias: Vec<f32> = (0..n).map(|_| rng.symmetric(config.bias_scaling) as f32).collect();
            let weight_t = match config.node {
                EsnNode::Wox(_) => None,
                EsnNode::Tanh => {
                    let w = recurrent_matrix(n, config.density, config.spectral_radius, &mut rng);
                    let transposed: Vec<f32> = (0..n * n).map(|k| w[(k % n) * n + k / n] as f32).collect();
                    Some(Tensor::from_data(TensorData::new(transposed, [n, n]), (device, DType::F32)))
                }
            };
            layers.push(Layer {
                w_in: Tensor::from_data(TensorData::new(w_in, [fan_in, n]), (device, DType::F32)),
                bias: Tensor::from_data(TensorData::new(bias, [n]), (device, DType::F32)),
                weight_t,
            });
            fan_in = n;
        }
        Ok(DeepEsn { config: config.clone(), layers, inputs })
    }

    /// The settings it was built with.
    pub fn config(&self) -> &DeepEsnConfig {
        &self.config
    }

    /// Runs sequences `[B, T, inputs]` (f32) from zero states → every layer's states
    /// `[B, T, N_l]`, bottom first.
    pub fn forward(&self, input: Tensor<3>) -> Result<Vec<Tensor<3>>> {
        let [batch, steps, inputs] = input.dims();
        if inputs != self.inputs || batch == 0 || steps == 0 {
            return Err(NeuroError::Shape {
                argument: "input",
                actual: input.dims().to_vec(),
                expected: format!("[B, T, {}] with B, T >= 1", self.inputs),
            });
        }
        if input.dtype() != DType::F32 {
            return Err(NeuroError::DType { argument: "input", actual: format!("{:?}", input.dtype()), expected: "F32".into() });
        }
        let device = input.device();
        if device != self.layers[0].w_in.device() {
            return Err(NeuroError::Device("`input` is on another device than the reservoir's weights".into()));
        }
        let mut states = Vec::with_capacity(self.layers.len());
        let mut below = input;
        for layer in &self.layers {
            let [fan_in, n] = layer.w_in.dims();
            let drive = below.reshape([batch * steps, fan_in]).matmul(layer.w_in.clone()) + layer.bias.clone().unsqueeze::<2>();
            let drive = drive.reshape([batch, steps, n]);
            let x = match (&layer.weight_t, self.config.node) {
                (Some(weight_t), _) => esn_layer(drive, weight_t.clone(), None, self.config.leak as f32)?,
                (None, EsnNode::Wox(params)) => {
                    let voltage = (drive.tanh() + 1.0).mul_scalar(WOX_MAX_VOLTAGE / 2.0).swap_dims(0, 1);
                    wox_node(voltage, None, &params)?.state.swap_dims(0, 1)
                }
                (None, EsnNode::Tanh) => unreachable!("tanh layers always have a recurrent matrix"),
            };
            states.push(x.clone());
            below = x;
        }
        Ok(states)
    }

    /// One sequence on the host: `input` row-major `[steps, inputs]` → every layer's states,
    /// row-major `[steps, N_l]`.
    pub fn run(&self, input: &[f32], steps: usize) -> Result<Vec<Vec<f32>>> {
        if input.len() != steps * self.inputs {
            return Err(NeuroError::Shape {
                argument: "input",
                actual: vec![input.len()],
                expected: format!("{steps}·{} values ([steps, inputs] row-major)", self.inputs),
            });
        }
        let device = self.layers[0].w_in.device();
        let input = Tensor::<3>::from_data(TensorData::new(input.to_vec(), [1, steps, self.inputs]), (&device, DType::F32));
        let states = self.forward(input)?;
        Ok(states.into_iter().map(|x| x.into_data().iter::<f32>().collect()).collect())
    }
}

/// One leaky-tanh echo-state layer over whole sequences in one launch:
/// `x_t = (1 − a)·x_{t−1} + a·tanh(d_t + W·x_{t−1})` for drive `d` `[B, T, N]` (f32), the
/// recurrent matrix given transposed (`weight_t[j][i] = W[i][j]`, `[N, N]`), and `initial`
/// `[B, N]` (`None`: zeros). Not differentiable: gradients stop at it.
pub fn esn_layer(drive: Tensor<3>, weight_t: Tensor<2>, initial: Option<Tensor<2>>, leak: f32) -> Result<Tensor<3>> {
    let [batch, steps, n] = drive.dims();
    if batch == 0 || steps == 0 || n == 0 || n > ESN_MAX_UNITS {
        return Err(NeuroError::Shape {
            argument: "drive",
            actual: drive.dims().to_vec(),
            expected: format!("[B, T, N] with B, T >= 1 and 1 <= N <= {ESN_MAX_UNITS}"),
        });
    }
    if weight_t.dims() != [n, n] {
        return Err(NeuroError::Shape { argument: "weight_t", actual: weight_t.dims().to_vec(), expected: format!("[{n}, {n}]") });
    }
    if !(leak > 0.0 && leak <= 1.0) {
        return Err(NeuroError::Range { argument: "leak", value: leak.to_string(), expected: "a value in (0, 1]".into() });
    }
    let device = drive.device();
    compute_path(&device)?;
    for (argument, dtype) in [("drive", drive.dtype()), ("weight_t", weight_t.dtype())] {
        if dtype != DType::F32 {
            return Err(NeuroError::DType { argument, actual: format!("{dtype:?}"), expected: "F32".into() });
        }
    }
    if weight_t.device() != device {
        return Err(NeuroError::Device("`weight_t` is on another device than `drive`".into()));
    }
    let initial = match initial {
        None => Tensor::zeros([batch, n], (&device, DType::F32)),
        Some(initial) => {
            if initial.dims() != [batch, n] {
                return Err(NeuroError::Shape { argument: "initial", actual: initial.dims().to_vec(), expected: format!("[{batch}, {n}]") });
            }
            if initial.dtype() != DType::F32 {
                return Err(NeuroError::DType { argument: "initial", actual: format!("{:?}", initial.dtype()), expected: "F32".into() });
            }
            if initial.device() != device {
                return Err(NeuroError::Device("`initial` is on another device than `drive`".into()));
            }
            initial
        }
    };
    check_buffer(&device, "drive", "states", &[batch, steps, n], 4, "split T or B")?;
    let params = EsnLayerParams { neurons: n as u32, steps: steps as u32, batch: batch as u32, leak };
    let out = Dispatch::esn_layer_forward(drive.into_dispatch(), weight_t.into_dispatch(), initial.into_dispatch(), params);
    Ok(Tensor::from_dispatch(out))
}
