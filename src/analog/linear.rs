//! `AnalogLinear`: a linear layer computed on a simulated crossbar, with the parameter layout
//! of `burn::nn::Linear`, trainable hardware-aware.
//!
//! Training forward: the current weights (optionally perturbed by the weight-noise modifier)
//! are programmed onto a fresh crossbar realisation and the input is read through it; the
//! backward is ideal (straight-through: the gradient of `x·W`), the usual hardware-aware
//! training. Evaluation (a device without autodiff, e.g. after `Module::valid`): every
//! forward reads one chip, programmed once from the weights with the crossbar's seed (another
//! seed, another chip); [`AnalogLinear::reprogram`] programs it again. [`AnalogLinear::program`] hands out such a chip for reads of your own.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::config::CrossbarConfig;
use super::crossbar::ProgrammedCrossbar;
use super::training::{ChipKey, EvalChip, UpdateQuantization, check_weight_noise, perturbed, realisation, straight_through};
use crate::error::{Result, or_panic};

/// Configuration of an [`AnalogLinear`] layer.
#[derive(Config, Debug)]
pub struct AnalogLinearConfig {
    /// Input features.
    pub d_input: usize,
    /// Output features.
    pub d_output: usize,
    /// A digital bias, added after the analog read.
    #[config(default = true)]
    pub bias: bool,
    /// The crossbar the layer runs on.
    #[config(default = "CrossbarConfig::aihwkit_default()")]
    pub crossbar: CrossbarConfig,
    /// Weight-noise modifier during training (aihwkit `ADD_NORMAL`): each mini-batch adds
    /// `σ·max|W|·ξ` to the weights before programming. 0 turns it off.
    #[config(default = 0.0)]
    pub training_weight_noise: f32,
    /// How the input gradient is computed.
    #[config(default = "AnalogBackward::Ideal")]
    pub backward: AnalogBackward,
}

/// The input gradient of an analog layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AnalogBackward {
    /// `dY·Wᵀ` in full precision (straight-through over the analog effects): the usual
    /// hardware-aware training.
    Ideal,
    /// An analog read of Wᵀ through the same crossbar and IO pipeline, as on-chip training
    /// would compute it.
    Analog,
}

/// A linear layer on a simulated memristor crossbar.
#[derive(Module, Debug)]
pub struct AnalogLinear {
    /// `[d_input, d_output]`, as in `burn::nn::Linear`.
    pub weight: Param<Tensor<2>>,
    /// Bias `[d_output]`, added digitally.
    pub bias: Option<Param<Tensor<1>>>,
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
    /// Forward calls of this instance: each training forward draws a new crossbar realisation
    /// (a clone counts on its own).
    #[module(skip)]
    calls: crate::rng::CallCounter,
    /// The chip evaluation forwards read.
    #[module(skip)]
    eval_chip: EvalChip,
}

impl AnalogLinearConfig {
    /// Builds the layer on `device` (weights initialised as `burn::nn::Linear` does), checking the config.
    pub fn init(&self, device: &Device) -> Result<AnalogLinear> {
        let linear = LinearConfig::new(self.d_input, self.d_output).with_bias(self.bias).init(device);
        Ok(AnalogLinear::from_linear(linear, self.crossbar.clone(), self.training_weight_noise)?.with_backward(self.backward))
    }
}

impl AnalogLinear {
    /// Takes over a (trained) `burn::nn::Linear`'s parameters.
    pub fn from_linear(linear: Linear, crossbar: CrossbarConfig, training_weight_noise: f32) -> Result<Self> {
        crossbar.validate()?;
        check_weight_noise(training_weight_noise)?;
        Ok(AnalogLinear {
            weight: linear.weight,
            bias: linear.bias,
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

    /// The parameters as a `burn::nn::Linear`.
    pub fn into_linear(self) -> Linear {
        Linear { weight: self.weight, bias: self.bias }
    }

    /// Programs the current weights once (with the crossbar's seed) for inference reads.
    pub fn program(&self) -> Result<ProgrammedCrossbar> {
        ProgrammedCrossbar::program(self.weight.val(), &self.crossbar)
    }

    /// Forgets the chip evaluation forwards read, so the next one programs the current weights
    /// again, with `crossbar.seed` (unchanged weights and seed give the same chip; set another
    /// seed for another chip, which also reprograms). Needed only where the weights change
    /// in place under the same parameter, e.g. through a module mapper.
    pub fn reprogram(&self) {
        self.eval_chip.clear();
    }

    /// `[..., d_input] → [..., d_output]`, bias included. In training (an autodiff device)
    /// each call programs a fresh crossbar realisation (hardware-aware training; see the module
    /// docs); otherwise every call reads the same programmed chip. Leading dims are flattened
    /// into the batch.
    ///
    /// Panics with the error's message where [`try_forward`](Self::try_forward) returns one.
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        or_panic(self.try_forward(input))
    }

    /// [`forward`](Self::forward), returning a bad input's error instead of panicking.
    pub fn try_forward<const D: usize>(&self, input: Tensor<D>) -> Result<Tensor<D>> {
        // Training is where the weights track gradients (an autodiff device); `valid()` moves
        // them off it. The input's device says nothing: data batches often live off autodiff.
        let device = self.weight.val().device();
        if !device.is_autodiff() {
            let key = ChipKey::new(self.weight.id, &device, &self.crossbar);
            return self.eval_chip.read(key, || self.program(), |chip| self.forward_programmed(chip, input));
        }
        let call = self.calls.next();
        let noisy = perturbed(self.weight.val(), self.training_weight_noise);
        let crossbar = ProgrammedCrossbar::program(noisy.clone(), &realisation(&self.crossbar, call))?;
        let dims = input.dims();
        let rows = dims.iter().take(D - 1).product::<usize>();
        let x = input.reshape([rows, dims[D - 1]]);
        // The weight gradient xᵀ·dY, from quantized x and dY where configured.
        let weight_path = |dtype| self.update_quantization.weight_path(x.clone().detach(), noisy.clone().cast(dtype));
        let mut y = match self.backward {
            AnalogBackward::Ideal => {
                // Value of the analog read, input gradient of the ideal matmul (and, unquantized,
                // the weight gradient too: one product serves both).
                let analog = crossbar.read(x.clone().detach())?;
                let dtype = analog.dtype();
                if self.update_quantization.is_off() {
                    straight_through(analog.detach(), [x.clone().matmul(noisy.clone().cast(dtype))])
                } else {
                    let input_path = x.clone().matmul(noisy.clone().detach().cast(dtype));
                    straight_through(analog.detach(), [input_path, weight_path(dtype)])
                }
            }
            AnalogBackward::Analog => {
                // Input gradient from the analog read of Wᵀ.
                let analog = crossbar.read(x.clone())?;
                let dtype = analog.dtype();
                straight_through(analog, [weight_path(dtype)])
            }
        };
        if let Some(bias) = &self.bias {
            let dtype = y.dtype();
            y = y + bias.val().cast(dtype).unsqueeze_dim(0);
        }
        let mut out_dims = dims;
        out_dims[D - 1] = y.dims()[1];
        Ok(y.reshape(out_dims))
    }

    /// `[..., d_input] → [..., d_output]` read through `crossbar` (programmed from this layer's
    /// weights, e.g. by [`program`](Self::program)), for inference on one programmed realisation.
    pub fn forward_programmed<const D: usize>(&self, crossbar: &ProgrammedCrossbar, input: Tensor<D>) -> Result<Tensor<D>> {
        let dims = input.dims();
        let rows = dims.iter().take(D - 1).product::<usize>();
        let mut y = crossbar.read(input.reshape([rows, dims[D - 1]]))?;
        if let Some(bias) = &self.bias {
            let dtype = y.dtype();
            y = y + bias.val().cast(dtype).unsqueeze_dim(0);
        }
        let mut out_dims = dims;
        out_dims[D - 1] = y.dims()[1];
        Ok(y.reshape(out_dims))
    }
}
