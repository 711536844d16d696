//! `QuantLinear` and `QuantConv2d`: Burn's `Linear` and `Conv2d` with a quantized forward
//! weight. Parameters stay f32 master weights; the weight is quantized, then cast to the input's
//! dtype, at every forward, so an f16 run computes in f16 with the same weight levels.

use burn::module::{Module, Param};
use burn::nn::conv::Conv2dConfig;
use burn::nn::{Initializer, LinearConfig, PaddingConfig2d};
use burn::tensor::module::{conv2d, linear};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor};

use super::weight::WeightQuant;
use crate::error::{NeuroError, Result, or_panic};

/// snn-tha's Glorot-uniform bound for binarized weights: `√(1.5 / (fan_in + fan_out))`.
fn binary_init(fan_in: usize, fan_out: usize) -> Initializer {
    let bound = (1.5 / (fan_in + fan_out) as f64).sqrt();
    Initializer::Uniform { min: -bound, max: bound }
}

fn zeroed(bias: Option<Param<Tensor<1>>>) -> Option<Param<Tensor<1>>> {
    bias.map(|b| {
        let value = b.val();
        Param::from_tensor(value.zeros_like())
    })
}

fn positive(argument: &'static str, values: &[usize]) -> Result<()> {
    if values.contains(&0) {
        return Err(NeuroError::Range { argument, value: format!("{values:?}"), expected: "every entry at least 1".into() });
    }
    Ok(())
}

/// Configuration of a [`QuantLinear`].
#[derive(burn::config::Config, Debug)]
pub struct QuantLinearConfig {
    /// Input features.
    pub d_input: usize,
    /// Output features.
    pub d_output: usize,
    /// Add a (never quantized) bias.
    #[config(default = true)]
    pub bias: bool,
    /// Weight quantizer.
    #[config(default = "WeightQuant::Float")]
    pub quant: WeightQuant,
}

/// A linear layer `y = x·Q(W) + b` with `W: [d_input, d_output]` (Burn's layout).
#[derive(Module, Debug)]
pub struct QuantLinear {
    /// The f32 master weight `[d_input, d_output]`.
    pub weight: Param<Tensor<2>>,
    /// Bias `[d_output]`, kept at full precision.
    pub bias: Option<Param<Tensor<1>>>,
    /// The quantizer applied at every forward.
    #[module(skip)]
    pub quant: WeightQuant,
}

impl QuantLinearConfig {
    /// Builds the layer: PyTorch's default init (Kaiming uniform, as Burn's `Linear`), or for
    /// binarized weights snn-tha's Glorot uniform with a zero bias.
    pub fn init(&self, device: &Device) -> Result<QuantLinear> {
        positive("d_input, d_output", &[self.d_input, self.d_output])?;
        self.quant.validate()?;
        let mut config = LinearConfig::new(self.d_input, self.d_output).with_bias(self.bias);
        if self.quant == WeightQuant::Binary {
            config = config.with_initializer(binary_init(self.d_input, self.d_output));
        }
        let layer = config.init(device);
        let bias = if self.quant == WeightQuant::Binary { zeroed(layer.bias) } else { layer.bias };
        Ok(QuantLinear { weight: layer.weight, bias, quant: self.quant })
    }
}

impl QuantLinear {
    /// The forward weight `Q(W)` (f32), with its straight-through gradient.
    pub fn quantized_weight(&self) -> Tensor<2> {
        or_panic(self.quant.apply(self.weight.val()))
    }

    /// Applies the layer to `[…, d_input]`, computing in the input's dtype.
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        let dtype = input.dtype();
        linear(input, self.quantized_weight().cast(dtype), self.bias.as_ref().map(|b| b.val().cast(dtype)))
    }
}

/// Configuration of a [`QuantConv2d`].
#[derive(burn::config::Config, Debug)]
pub struct QuantConv2dConfig {
    /// `[channels_in, channels_out]`.
    pub channels: [usize; 2],
    /// Kernel height and width.
    pub kernel_size: [usize; 2],
    /// Stride.
    #[config(default = "[1, 1]")]
    pub stride: [usize; 2],
    /// Zero padding on each side (rows, columns).
    #[config(default = "[0, 0]")]
    pub padding: [usize; 2],
    /// Add a (never quantized) bias.
    #[config(default = true)]
    pub bias: bool,
    /// Weight quantizer.
    #[config(default = "WeightQuant::Float")]
    pub quant: WeightQuant,
}

/// A 2-D convolution with a quantized forward weight `[c_out, c_in, k_h, k_w]`.
#[derive(Module, Debug)]
pub struct QuantConv2d {
    /// The f32 master weight `[channels_out, channels_in, k_h, k_w]`.
    pub weight: Param<Tensor<4>>,
    /// Bias `[channels_out]`, kept at full precision.
    pub bias: Option<Param<Tensor<1>>>,
    /// Stride.
    pub stride: [usize; 2],
    /// Zero padding on each side.
    pub padding: [usize; 2],
    /// The quantizer applied at every forward.
    #[module(skip)]
    pub quant: WeightQuant,
}

impl QuantConv2dConfig {
    /// Builds the layer: PyTorch's default init, or for binarized weights snn-tha's Glorot
    /// uniform (fans × kernel area) with a zero bias.
    pub fn init(&self, device: &Device) -> Result<QuantConv2d> {
        positive("channels", &self.channels)?;
        positive("kernel_size", &self.kernel_size)?;
        positive("stride", &self.stride)?;
        self.quant.validate()?;
        let [c_in, c_out] = self.channels;
        let area = self.kernel_size[0] * self.kernel_size[1];
        let mut config = Conv2dConfig::new(self.channels, self.kernel_size)
            .with_stride(self.stride)
            .with_padding(PaddingConfig2d::Explicit(self.padding[0], self.padding[1], self.padding[0], self.padding[1]))
            .with_bias(self.bias);
        if self.quant == WeightQuant::Binary {
            config = config.with_initializer(binary_init(c_in * area, c_out * area));
        }
        let layer = config.init(device);
        let bias = if self.quant == WeightQuant::Binary { zeroed(layer.bias) } else { layer.bias };
        Ok(QuantConv2d { weight: layer.weight, bias, stride: self.stride, padding: self.padding, quant: self.quant })
    }
}

impl QuantConv2d {
    /// The forward weight `Q(W)` (f32), with its straight-through gradient.
    pub fn quantized_weight(&self) -> Tensor<4> {
        or_panic(self.quant.apply(self.weight.val()))
    }

    /// Applies the layer to `[batch, channels_in, height, width]`, computing in the input's dtype.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let dtype = input.dtype();
        let options = ConvOptions::new(self.stride, self.padding, [1, 1], 1);
        conv2d(input, self.quantized_weight().cast(dtype), self.bias.as_ref().map(|b| b.val().cast(dtype)), options)
    }
}
