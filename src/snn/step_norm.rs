//! `StepBatchNorm`: a `BatchNorm2d` applied at every time step, exactly as a PyTorch loop
//! `for t in range(T): bn(x[t])` applies it, but for all steps in one pass over `[T, B, C, H, W]`.
//!
//! In training each step is normalized with its own batch statistics (mean and biased variance
//! over batch, height and width), and the running statistics take T momentum updates in step
//! order (the variance unbiased, as PyTorch keeps it). At evaluation every step uses the running
//! statistics. γ and β are shared by all steps.

use burn::module::{Flag, Module, Param, RunningState};
use burn::tensor::{DType, Device, Tensor, TensorData};

use crate::error::{NeuroError, Result};

/// Configuration of a [`StepBatchNorm`]; defaults are PyTorch's `BatchNorm2d`.
#[derive(burn::config::Config, Debug)]
pub struct StepBatchNormConfig {
    /// Channels C.
    pub num_features: usize,
    /// Added to the variance.
    #[config(default = 1e-5)]
    pub epsilon: f64,
    /// Weight of the newest batch statistics in the running ones.
    #[config(default = 0.1)]
    pub momentum: f64,
}

/// Batch normalization over channels, per time step. See the module documentation.
#[derive(Module, Debug)]
pub struct StepBatchNorm {
    /// Scale γ `[C]`.
    pub gamma: Param<Tensor<1>>,
    /// Shift β `[C]`.
    pub beta: Param<Tensor<1>>,
    /// Training behaviour (batch statistics, running updates) where the device has autodiff;
    /// disabled by `valid()` and by freezing, as Burn's `BatchNorm`.
    pub training: Param<Flag>,
    /// Running mean `[C]`.
    pub running_mean: RunningState<Tensor<1>>,
    /// Running (unbiased) variance `[C]`.
    pub running_var: RunningState<Tensor<1>>,
    /// Momentum of the running statistics.
    pub momentum: f64,
    /// Added to the variance.
    pub epsilon: f64,
}

impl StepBatchNormConfig {
    /// Builds the layer (γ = 1, β = 0, running mean 0 and variance 1).
    pub fn init(&self, device: &Device) -> Result<StepBatchNorm> {
        if self.num_features == 0 {
            return Err(NeuroError::Range { argument: "num_features", value: "0".into(), expected: "at least 1".into() });
        }
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return Err(NeuroError::Range { argument: "epsilon", value: self.epsilon.to_string(), expected: "a finite value > 0".into() });
        }
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(NeuroError::Range { argument: "momentum", value: self.momentum.to_string(), expected: "a value in [0, 1]".into() });
        }
        let c = self.num_features;
        let f32_tensor = |value: f32| Tensor::<1>::from_data(TensorData::new(vec![value; c], [c]), (device, DType::F32));
        Ok(StepBatchNorm {
            gamma: Param::from_tensor(f32_tensor(1.0)),
            beta: Param::from_tensor(f32_tensor(0.0)),
            training: Param::from_bool(true),
            running_mean: RunningState::new(f32_tensor(0.0)),
            running_var: RunningState::new(f32_tensor(1.0)),
            momentum: self.momentum,
            epsilon: self.epsilon,
        })
    }
}

impl StepBatchNorm {
    /// Normalizes `[T, B, C, H, W]`, each step with its own statistics in training (autodiff
    /// device) and with the running ones otherwise. Computes in f32; returns the input's dtype.
    pub fn forward(&self, input: Tensor<5>) -> Tensor<5> {
        self.normalize(input, 1)
    }

    /// The same as [`forward`](Self::forward) on `x` repeated over `steps` steps, computed once:
    /// for a static input presented at every step (every step has the same statistics; the
    /// running ones still take `steps` updates).
    pub fn forward_repeated(&self, input: Tensor<4>, steps: usize) -> Tensor<4> {
        let [batch, channels, height, width] = input.dims();
        self.normalize(input.unsqueeze_dim(0), steps.max(1)).reshape([batch, channels, height, width])
    }

    /// `forward` with every step of `input` standing for `repeats` identical steps.
    fn normalize(&self, input: Tensor<5>, repeats: usize) -> Tensor<5> {
        let [steps, batch, channels, height, width] = input.dims();
        let [features] = self.gamma.dims();
        assert_eq!(channels, features, "StepBatchNorm: the input has {channels} channels, the layer {features}");
        let dtype = input.dtype();
        let x = input.cast(DType::F32);
        let device = x.device();
        let per_channel = |t: Tensor<1>| t.reshape([1, 1, channels, 1, 1]);
        let y = if self.is_training(&device) {
            // [T, 1, C, 1, 1] statistics of each step.
            let mean = x.clone().mean_dim(4).mean_dim(3).mean_dim(1);
            let centered = x - mean.clone();
            let var = centered.clone().powi_scalar(2).mean_dim(4).mean_dim(3).mean_dim(1);
            let each_step = |s: Tensor<5>| s.reshape([steps, 1, channels]).expand([steps, repeats, channels]).reshape([steps * repeats, channels]);
            self.update_running(each_step(mean), each_step(var.clone()), batch * height * width, &device);
            centered / (var + self.epsilon).sqrt()
        } else {
            let mean = self.running_mean.value().to_device(&device).cast(DType::F32);
            let var = self.running_var.value().to_device(&device).cast(DType::F32);
            (x - per_channel(mean)) / (per_channel(var) + self.epsilon).sqrt()
        };
        (y * per_channel(self.gamma.val().cast(DType::F32)) + per_channel(self.beta.val().cast(DType::F32))).cast(dtype)
    }

    fn is_training(&self, device: &Device) -> bool {
        device.is_autodiff() && self.training.is_enabled()
    }

    /// T sequential momentum updates in one expression:
    /// `r_T = (1 − m)^T·r_0 + Σ_t m·(1 − m)^(T−1−t)·s_t`, with the unbiased variance.
    fn update_running(&self, mean: Tensor<2>, var: Tensor<2>, n: usize, device: &Device) {
        let [steps, _] = mean.dims();
        let m = self.momentum;
        let weights: Vec<f32> = (0..steps).map(|t| (m * (1.0 - m).powi((steps - 1 - t) as i32)) as f32).collect();
        let weights = Tensor::<2>::from_data(TensorData::new(weights, [steps, 1]), (device, DType::F32));
        let keep = (1.0 - m).powi(steps as i32) as f32;
        let unbiased = if n > 1 { n as f32 / (n - 1) as f32 } else { 1.0 };
        let blend = |old: Tensor<1>, stats: Tensor<2>| {
            let stats = stats.detach();
            let [_, c] = stats.dims();
            old.mul_scalar(keep) + (stats * weights.clone()).sum_dim(0).reshape([c])
        };
        let mean_new = blend(self.running_mean.value_sync().to_device(device), mean);
        let var_new = blend(self.running_var.value_sync().to_device(device), var.mul_scalar(unbiased));
        self.running_mean.update(mean_new.detach());
        self.running_var.update(var_new.detach());
    }
}
