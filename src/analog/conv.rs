//! `AnalogConv2d`: a 2-D convolution on a simulated crossbar by im2col. The kernel, flattened
//! to `[in_channels·kh·kw, out_channels]`, is programmed as one crossbar; every output pixel's
//! input patch is a crossbar read. Trains hardware-aware like `AnalogLinear`.

use burn::module::{Module, Param};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;
use burn::tensor::module::{conv2d, unfold4d};
use burn::tensor::ops::{ConvOptions, UnfoldOptions};

use super::config::CrossbarConfig;
use super::crossbar::ProgrammedCrossbar;
use super::linear::AnalogBackward;
use super::training::{ChipKey, EvalChip, UpdateQuantization, check_weight_noise, perturbed, realisation, straight_through};
use crate::device::max_binding_bytes;
use crate::error::{NeuroError, Result, or_panic};

/// A convolution on a simulated memristor crossbar (groups = 1).
#[derive(Module, Debug)]
pub struct AnalogConv2d {
    /// `[out_channels, in_channels, kh, kw]`, as in `burn::nn::conv::Conv2d`.
    pub weight: Param<Tensor<4>>,
    /// Bias `[out_channels]`, added digitally.
    pub bias: Option<Param<Tensor<1>>>,
    /// Convolution stride (height, width).
    pub stride: [usize; 2],
    /// Convolution dilation (height, width).
    pub dilation: [usize; 2],
    /// Symmetric zero padding (rows, columns).
    pub padding: [usize; 2],
    /// The crossbar each training forward programs and reads.
    #[module(skip)]
    pub crossbar: CrossbarConfig,
    /// Relative σ of the weight noise injected in training forwards.
    #[module(skip)]
    pub training_weight_noise: f32,
    /// How the input gradient is computed.
    #[module(skip)]
    pub backward: AnalogBackward,
    /// Quantization of the weight update's inputs (aihwkit `n_x_bins`, `n_d_bins`).
    #[module(skip)]
    pub update_quantization: UpdateQuantization,
    #[module(skip)]
    calls: crate::rng::CallCounter,
    /// The chip evaluation forwards read (see `AnalogLinear`).
    #[module(skip)]
    eval_chip: EvalChip,
}

impl AnalogConv2d {
    /// Takes over a (trained) `burn::nn::conv::Conv2d` with groups = 1 and symmetric padding.
    pub fn from_conv2d(conv: Conv2d, crossbar: CrossbarConfig, training_weight_noise: f32) -> Result<Self> {
        crossbar.validate()?;
        // A zero stride or dilation would divide by zero when the output size is computed.
        for (argument, pair) in [("stride", conv.stride), ("dilation", conv.dilation)] {
            if pair.contains(&0) {
                return Err(NeuroError::Range { argument, value: format!("{pair:?}"), expected: "at least 1 in each dimension".into() });
            }
        }
        if conv.groups != 1 {
            return Err(NeuroError::Range {
                argument: "groups",
                value: conv.groups.to_string(),
                expected: "1 (grouped convolutions are not mapped)".into(),
            });
        }
        let [kh, kw] = conv.kernel_size;
        let padding = match conv.padding {
            PaddingConfig2d::Valid => [0, 0],
            PaddingConfig2d::Explicit(top, left, bottom, right) if top == bottom && left == right => [top, left],
            PaddingConfig2d::Same if conv.stride == [1, 1] && kh % 2 == 1 && kw % 2 == 1 => {
                [conv.dilation[0] * (kh - 1) / 2, conv.dilation[1] * (kw - 1) / 2]
            }
            other => return Err(NeuroError::Range { argument: "padding", value: format!("{other:?}"), expected: "symmetric padding".into() }),
        };
        check_weight_noise(training_weight_noise)?;
        Ok(AnalogConv2d {
            weight: conv.weight,
            bias: conv.bias,
            stride: conv.stride,
            dilation: conv.dilation,
            padding,
            crossbar,
            training_weight_noise,
            backward: AnalogBackward::Ideal,
            update_quantization: UpdateQuantization::default(),
            calls: crate::rng::CallCounter::default(),
            eval_chip: EvalChip::default(),
        })
    }

    /// Chooses how the input gradient is computed.
    pub fn with_backward(mut self, backward: AnalogBackward) -> Self {
        self.backward = backward;
        self
    }

    /// Quantizes the inputs of the weight gradient as aihwkit's mixed precision can.
    pub fn with_update_quantization(mut self, quantization: UpdateQuantization) -> Self {
        self.update_quantization = quantization;
        self
    }

    /// The kernel as the crossbar sees it: `[in_channels·kh·kw, out_channels]`.
    fn matrix(weight: Tensor<4>) -> Tensor<2> {
        let [out, cin, kh, kw] = weight.dims();
        weight.reshape([out, cin * kh * kw]).transpose()
    }

    /// Programs the current kernel once (with the crossbar's seed) for inference reads.
    pub fn program(&self) -> Result<ProgrammedCrossbar> {
        ProgrammedCrossbar::program(Self::matrix(self.weight.val()), &self.crossbar)
    }

    /// Forgets the chip evaluation forwards read, so the next one programs the current kernel
    /// again (see `AnalogLinear::reprogram`).
    pub fn reprogram(&self) {
        self.eval_chip.clear();
    }

    /// `[batch, in_channels, h, w] → [batch, out_channels, h', w']`, bias included. In training
    /// (an autodiff device) through a freshly programmed crossbar (hardware-aware: analog value,
    /// ideal or analog input gradient, ideal weight gradient); otherwise through one chip,
    /// programmed at the first such call and kept.
    ///
    /// Panics with the error's message where [`try_forward`](Self::try_forward) returns one.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        or_panic(self.try_forward(input))
    }

    /// [`forward`](Self::forward), returning a bad input's error instead of panicking.
    pub fn try_forward(&self, input: Tensor<4>) -> Result<Tensor<4>> {
        // Training is where the weights track gradients (an autodiff device); `valid()` moves
        // them off it. The input's device says nothing: data batches often live off autodiff.
        let device = self.weight.val().device();
        if !device.is_autodiff() {
            let key = ChipKey::new(self.weight.id, &device, &self.crossbar);
            return self.eval_chip.read(key, || self.program(), |chip| self.forward_programmed(chip, input));
        }
        let geometry = self.geometry(&input)?;
        let call = self.calls.next();
        let noisy = perturbed(self.weight.val(), self.training_weight_noise);
        let crossbar = ProgrammedCrossbar::program(Self::matrix(noisy.clone()), &realisation(&self.crossbar, call))?;
        let options = ConvOptions::new(self.stride, self.padding, self.dilation, 1);
        // The weight gradient: the convolution's own, or, quantized, every patch against the
        // kernel matrix from quantized patches and output errors (aihwkit quantizes each input
        // and error vector).
        let weight_path = |dtype| {
            if self.update_quantization.is_off() {
                return conv2d(input.clone().detach(), noisy.clone().cast(dtype), None, options.clone());
            }
            let patches = self.patches(input.clone().detach(), geometry);
            self.to_image(self.update_quantization.weight_path(patches, Self::matrix(noisy.clone()).cast(dtype)), input.dims()[0], geometry)
        };
        let y = match self.backward {
            AnalogBackward::Ideal => {
                let analog = self.read(&crossbar, input.clone().detach(), geometry)?;
                let dtype = analog.dtype();
                if self.update_quantization.is_off() {
                    // One convolution serves both gradients.
                    straight_through(analog.detach(), [conv2d(input.clone(), noisy.clone().cast(dtype), None, options.clone())])
                } else {
                    let input_path = conv2d(input.clone(), noisy.clone().detach().cast(dtype), None, options.clone());
                    straight_through(analog.detach(), [input_path, weight_path(dtype)])
                }
            }
            AnalogBackward::Analog => {
                let analog = self.read(&crossbar, input.clone(), geometry)?;
                let dtype = analog.dtype();
                straight_through(analog, [weight_path(dtype)])
            }
        };
        Ok(self.add_bias(y))
    }

    /// The convolution read through `crossbar` (programmed from this layer's kernel, e.g. by
    /// [`program`](Self::program)), for inference on one programmed realisation.
    pub fn forward_programmed(&self, crossbar: &ProgrammedCrossbar, input: Tensor<4>) -> Result<Tensor<4>> {
        let geometry = self.geometry(&input)?;
        Ok(self.add_bias(self.read(crossbar, input, geometry)?))
    }

    fn add_bias(&self, y: Tensor<4>) -> Tensor<4> {
        match &self.bias {
            Some(bias) => {
                let dtype = y.dtype();
                let out = bias.dims()[0];
                y + bias.val().cast(dtype).reshape([1, out, 1, 1])
            }
            None => y,
        }
    }

    /// Checks the input and returns the output's height and width.
    fn geometry(&self, input: &Tensor<4>) -> Result<[usize; 2]> {
        let [_, channels, height, width] = input.dims();
        let [_, cin, kh, kw] = self.weight.val().dims();
        if channels != cin {
            return Err(NeuroError::Shape { argument: "input", actual: input.dims().to_vec(), expected: format!("[batch, {cin}, h, w]") });
        }
        let extent = |size: usize, d: usize| (size + 2 * self.padding[d]).checked_sub(self.dilation[d] * ([kh, kw][d] - 1) + 1);
        let (Some(span_h), Some(span_w)) = (extent(height, 0), extent(width, 1)) else {
            return Err(NeuroError::Shape {
                argument: "input",
                actual: input.dims().to_vec(),
                expected: "an image at least as large as the dilated kernel".into(),
            });
        };
        let geometry = [span_h / self.stride[0] + 1, span_w / self.stride[1] + 1];
        // im2col's patch matrix [B·H'·W', C·kh·kw] is the largest buffer before the read's own.
        if let Some(limit) = max_binding_bytes(&input.device()) {
            let patches = (input.dims()[0] * geometry[0] * geometry[1]) as u64 * (cin * kh * kw) as u64;
            let needed = patches * input.dtype().size() as u64;
            if needed > limit {
                return Err(NeuroError::TooLarge {
                    argument: "input",
                    detail: format!("its {needed}-byte im2col patch matrix exceeds this adapter's {limit}-byte binding limit; split the batch"),
                });
            }
        }
        Ok(geometry)
    }

    /// im2col, one crossbar read of every patch, and back to an image.
    fn read(&self, crossbar: &ProgrammedCrossbar, input: Tensor<4>, geometry: [usize; 2]) -> Result<Tensor<4>> {
        let batch = input.dims()[0];
        Ok(self.to_image(crossbar.read(self.patches(input, geometry))?, batch, geometry))
    }

    /// im2col: `[B, C, H, W]` → `[B·H'·W', C·kh·kw]`.
    fn patches(&self, input: Tensor<4>, [out_h, out_w]: [usize; 2]) -> Tensor<2> {
        let batch = input.dims()[0];
        let [_, cin, kh, kw] = self.weight.val().dims();
        let unfold = UnfoldOptions::new(self.stride, self.padding, self.dilation);
        unfold4d(input, [kh, kw], unfold).swap_dims(1, 2).reshape([batch * out_h * out_w, cin * kh * kw])
    }

    /// `[B·H'·W', out]` → `[B, out, H', W']`.
    fn to_image(&self, y: Tensor<2>, batch: usize, [out_h, out_w]: [usize; 2]) -> Tensor<4> {
        let out = y.dims()[1];
        y.reshape([batch, out_h * out_w, out]).swap_dims(1, 2).reshape([batch, out, out_h, out_w])
    }
}
