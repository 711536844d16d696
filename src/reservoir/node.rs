//! The RN-Net reservoir node ([`reservoir_node`]) and its layer ([`ReservoirNode`]).

use burn::backend::Dispatch;
use burn::module::{Module, Param};
use burn::tensor::{DType, Device, Tensor};

use crate::backend::ReservoirNodeOps;
use crate::device::{check_buffer, check_storage_dtype, compute_path};
use crate::error::{NeuroError, Result, or_panic};
use crate::kernels::reservoir_node::ReservoirNodeParams;
use crate::snn::parameter::f32_param;

/// What [`reservoir_node`] returns.
#[derive(Debug, Clone)]
pub struct ReservoirNodeOutput {
    /// G after every step, `[T, K, N]` in the input's dtype: channel k of step t is the row
    /// `[t, k, ..]` over the N nodes (the product of the input's per-step dims).
    pub conductance: Tensor<3>,
}

impl ReservoirNodeOutput {
    /// G after the last step, `[K, N]`: pass it as `initial` to continue the stream.
    pub fn final_state(&self) -> Tensor<2> {
        let [steps, channels, neurons] = self.conductance.dims();
        self.conductance.clone().slice([steps - 1..steps]).reshape([channels, neurons])
    }
}

/// T steps of RN-Net reservoir nodes in one launch:
/// `G_t = P_c·(G_max − G_{t−1})·δ_t + G_{t−1}·e^{−1/τ}`, for K channels of (P_c, τ).
///
/// - `delta`: `[T, ...]` (f32 or f16), the per-step drive: 1 where a node's input fired
///   (binary event frames, thresholded feature maps), 0 elsewhere; graded values are allowed.
/// - `p_c`, `tau`: `[K]` f32, each channel's step fraction and time constant (in steps). They
///   are tensors so they can train: gradients flow to both (and to `delta` and `initial`).
/// - `g_max`: the conductance an event pulls towards.
/// - `initial`: `[K, N]` in `delta`'s dtype, or `None` for G₀ = 0.
///
/// Values of `p_c` and `tau` are not read back (that would stall the device every call):
/// [`ReservoirNodeConfig::init`] checks them, and with P_c ∈ [0, 1], τ > 0, δ ∈ [0, 1] every G
/// stays in [0, G_max].
pub fn reservoir_node<const D: usize>(
    delta: Tensor<D>,
    p_c: Tensor<1>,
    tau: Tensor<1>,
    g_max: f32,
    initial: Option<Tensor<2>>,
) -> Result<ReservoirNodeOutput> {
    let dims = delta.dims();
    if D < 2 || dims.contains(&0) {
        return Err(NeuroError::Shape { argument: "delta", actual: dims.to_vec(), expected: "[T, ...] with T >= 1 and no empty dimension".into() });
    }
    let device = delta.device();
    compute_path(&device)?;
    check_storage_dtype(&device, "delta", delta.dtype())?;
    if !(g_max.is_finite() && g_max > 0.0) {
        return Err(NeuroError::Range { argument: "g_max", value: g_max.to_string(), expected: "a positive finite conductance".into() });
    }
    let [channels] = p_c.dims();
    for (argument, tensor) in [("p_c", &p_c), ("tau", &tau)] {
        if tensor.dims() != [channels] || channels == 0 {
            return Err(NeuroError::Shape {
                argument,
                actual: tensor.dims().to_vec(),
                expected: format!("[K] with K >= 1, the same K for p_c and tau (p_c has {channels})"),
            });
        }
        if tensor.dtype() != DType::F32 {
            return Err(NeuroError::DType { argument, actual: format!("{:?}", tensor.dtype()), expected: "F32".into() });
        }
        if tensor.device() != device {
            return Err(NeuroError::Device(format!("`{argument}` is on another device than `delta`")));
        }
    }
    let (steps, neurons) = (dims[0], dims[1..].iter().product::<usize>());
    let initial = match initial {
        None => Tensor::zeros([channels, neurons], (&device, delta.dtype())),
        Some(initial) => {
            if initial.dims() != [channels, neurons] {
                return Err(NeuroError::Shape {
                    argument: "initial",
                    actual: initial.dims().to_vec(),
                    expected: format!("[{channels}, {neurons}] (K channels of the N nodes of `delta`)"),
                });
            }
            if initial.dtype() != delta.dtype() {
                return Err(NeuroError::DType {
                    argument: "initial",
                    actual: format!("{:?}", initial.dtype()),
                    expected: format!("{:?}, `delta`'s dtype", delta.dtype()),
                });
            }
            if initial.device() != device {
                return Err(NeuroError::Device("`initial` is on another device than `delta`".into()));
            }
            initial
        }
    };
    // The backward's gradient rows exist only where something asks for a gradient.
    let tracked = delta.is_require_grad() || p_c.is_require_grad() || tau.is_require_grad() || initial.is_require_grad();
    check_size(&device, steps, channels, neurons, delta.dtype(), tracked)?;
    let decay = tau.recip().neg().exp();
    let coeffs = Tensor::cat(vec![p_c.unsqueeze_dim::<2>(0), decay.unsqueeze_dim(0)], 0);
    let params = ReservoirNodeParams { neurons: neurons as u32, channels: channels as u32, steps: steps as u32, g_max };
    let flat = delta.reshape([steps, neurons]);
    let out = Dispatch::reservoir_node_forward(flat.into_dispatch(), initial.into_dispatch(), coeffs.into_dispatch(), params);
    Ok(ReservoirNodeOutput { conductance: Tensor::from_dispatch(out) })
}

/// Kernels index with u32, and each binding must fit the adapter: the conductances
/// `[T, K, N]` forward, the f32 gradient rows `[T + 3, K, N]` backward (when `tracked`).
fn check_size(device: &Device, steps: usize, channels: usize, neurons: usize, dtype: DType, tracked: bool) -> Result<()> {
    let advice = "split T (pass `final_state` on) or the batch";
    check_buffer(device, "delta", "conductances", &[steps, channels, neurons], dtype.size(), advice)?;
    if tracked {
        check_buffer(device, "delta", "f32 gradient rows", &[steps + 3, channels, neurons], 4, advice)?;
    }
    Ok(())
}

/// Configuration of a [`ReservoirNode`] layer. The defaults are the RN-Net recipe's golden
/// case: G_max = 1 and one channel with P_c = 0.5, τ = 5 steps.
#[derive(Debug, Clone, PartialEq)]
pub struct ReservoirNodeConfig {
    /// The conductance an event pulls towards.
    pub g_max: f32,
    /// One (P_c, τ) pair per channel: P_c in [0, 1], τ in steps (> 0). Several pairs give a node
    /// short and long memories of the same input.
    pub channels: Vec<(f32, f32)>,
    /// Train P_c and τ (RN-Net keeps them fixed).
    pub learnable: bool,
}

impl Default for ReservoirNodeConfig {
    fn default() -> Self {
        ReservoirNodeConfig { g_max: 1.0, channels: vec![(0.5, 5.0)], learnable: false }
    }
}

impl ReservoirNodeConfig {
    /// Builds the layer on `device`, checking every value.
    pub fn init(&self, device: &Device) -> Result<ReservoirNode> {
        if !(self.g_max.is_finite() && self.g_max > 0.0) {
            return Err(NeuroError::Range { argument: "g_max", value: self.g_max.to_string(), expected: "a positive finite conductance".into() });
        }
        if self.channels.is_empty() {
            return Err(NeuroError::Range { argument: "channels", value: "[]".into(), expected: "at least one (P_c, τ) pair".into() });
        }
        for (index, &(p_c, tau)) in self.channels.iter().enumerate() {
            if !(0.0..=1.0).contains(&p_c) {
                return Err(NeuroError::Range {
                    argument: "channels",
                    value: format!("P_c = {p_c} (pair {index})"),
                    expected: "P_c in [0, 1]".into(),
                });
            }
            if !(tau.is_finite() && tau > 0.0) {
                return Err(NeuroError::Range {
                    argument: "channels",
                    value: format!("τ = {tau} (pair {index})"),
                    expected: "a positive finite τ, in steps".into(),
                });
            }
        }
        let p_c = self.channels.iter().map(|c| c.0).collect();
        let tau = self.channels.iter().map(|c| c.1).collect();
        Ok(ReservoirNode { p_c: f32_param(p_c, self.learnable, device), tau: f32_param(tau, self.learnable, device), g_max: self.g_max })
    }
}

/// Smallest τ a learnable layer uses (steps): below it e^{−1/τ} is 0 in f32 anyway.
pub const MIN_TAU: f32 = 0.01;

/// A layer of RN-Net reservoir nodes: every input element drives K memristor channels.
///
/// With learnable constants the optimizer may move P_c out of [0, 1] or τ below 0, where the
/// node would diverge; the layer then runs with P_c clamped to [0, 1] and τ to at least
/// [`MIN_TAU`] (gradients stop at the bounds), and `p_c`/`tau` show the unclamped values.
#[derive(Module, Debug)]
pub struct ReservoirNode {
    /// Step fraction per channel, `[K]`.
    pub p_c: Param<Tensor<1>>,
    /// Time constant per channel in steps, `[K]`.
    pub tau: Param<Tensor<1>>,
    /// The conductance an event pulls towards.
    #[module(skip)]
    pub g_max: f32,
}

impl ReservoirNode {
    /// Channels per input element (K).
    pub fn channels(&self) -> usize {
        self.p_c.dims()[0]
    }

    /// Event frames `[T, B, C, H, W]` → conductances `[T, B, K·C, H, W]` (channel k·C + c is
    /// input channel c through pair k), from G₀ = 0. Panics where [`try_forward`](Self::try_forward)
    /// errs.
    pub fn forward(&self, frames: Tensor<5>) -> Tensor<5> {
        or_panic(self.try_forward(frames))
    }

    /// [`forward`](Self::forward), returning bad input as an error.
    pub fn try_forward(&self, frames: Tensor<5>) -> Result<Tensor<5>> {
        let [steps, batch, channels, height, width] = frames.dims();
        let (p_c, tau) = self.constants();
        let out = reservoir_node(frames, p_c, tau, self.g_max, None)?;
        let k = self.channels();
        // [T, K, B·C·H·W] → [T, K, B, C, H, W] → [T, B, K, C, H, W].
        let g = out.conductance.reshape([steps, k, batch, channels, height, width]).swap_dims(1, 2);
        Ok(g.reshape([steps, batch, k * channels, height, width]))
    }

    /// Any `[T, ...]` input → `[T, K, N]` from `initial` (or 0), for streams cut into chunks.
    pub fn forward_flat<const D: usize>(&self, delta: Tensor<D>, initial: Option<Tensor<2>>) -> Result<ReservoirNodeOutput> {
        let (p_c, tau) = self.constants();
        reservoir_node(delta, p_c, tau, self.g_max, initial)
    }

    /// P_c and τ within their valid ranges (see the type's docs).
    fn constants(&self) -> (Tensor<1>, Tensor<1>) {
        (self.p_c.val().clamp(0.0, 1.0), self.tau.val().clamp_min(MIN_TAU))
    }
}

/// The same recurrence written with plain Burn tensor ops (a few ops per step), for comparison
/// with the fused kernels: `delta [T, N]`, `p_c`/`tau [K]`, `initial [K, N]` → `[T, K, N]`.
/// Burn's autodiff differentiates it like any graph; the benchmark and the tests use it as the
/// unfused baseline and as an independent oracle for the kernels' backward.
///
/// Unchecked, unlike [`reservoir_node`]: shapes as stated, on one device.
///
/// # Panics
/// Where Burn's ops do on mismatched shapes.
pub fn reservoir_node_composite(delta: Tensor<2>, p_c: Tensor<1>, tau: Tensor<1>, g_max: f32, initial: Tensor<2>) -> Tensor<3> {
    let [steps, _] = delta.dims();
    let [channels] = p_c.dims();
    let dtype = delta.dtype();
    // [K, 1] coefficients broadcast over the N nodes, in f32 like the kernels' arithmetic.
    let p_c = p_c.reshape([channels, 1]);
    let decay = tau.recip().neg().exp().reshape([channels, 1]);
    let mut g = initial.cast(DType::F32);
    let mut out = Vec::with_capacity(steps);
    for t in 0..steps {
        let d = delta.clone().slice([t..t + 1]).cast(DType::F32);
        g = p_c.clone() * (g.clone().neg() + g_max) * d + g * decay.clone();
        // Rounded to the storage dtype each step, as the kernel stores and continues.
        g = g.cast(dtype).cast(DType::F32);
        out.push(g.clone().cast(dtype).unsqueeze_dim::<3>(0));
    }
    Tensor::cat(out, 0)
}
