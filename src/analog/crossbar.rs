//! Program once, read many: a weight matrix realised as crossbar conductances, and analog
//! reads through it.

use burn::backend::Dispatch;
use burn::tensor::{DType, FloatDType, Tensor};

use super::config::CrossbarConfig;
use crate::backend::CrossbarOps;
use crate::device::{check_storage_dtype, compute_path, max_binding_bytes};
use crate::error::{NeuroError, Result};
use crate::kernels::crossbar::{CrossbarSettings, DriftParams};

/// Power and current of every (batch row, row tile, column) during a read: `[batch, row_tiles,
/// outputs]` each, f32, in µW and µA at the configured read voltage.
#[derive(Debug, Clone)]
pub struct ReadTraces {
    /// Power drawn per tile and input row, µW.
    pub power: Tensor<3>,
    /// Current per tile and input row, µA.
    pub current: Tensor<3>,
}

/// A programmed crossbar: conductances with programming noise, levels, device variation,
/// faults and drift exponents realised once from the configuration's seed.
#[derive(Debug, Clone)]
pub struct ProgrammedCrossbar {
    /// `[2 or 4, inputs, outputs]`: g+, g− (µS) and, with drift, ν+, ν−.
    planes: Tensor<3>,
    /// `[max|W|, drift compensation]`.
    scales: Tensor<1>,
    config: CrossbarConfig,
    inputs: usize,
    outputs: usize,
    /// Read counter of this instance: each read draws fresh noise keyed by it (a clone counts
    /// on its own; [`read_at`](Self::read_at) takes the index explicitly).
    reads: crate::rng::CallCounter,
}

impl ProgrammedCrossbar {
    /// Programs `weight [inputs, outputs]` (the `burn::nn::Linear` layout).
    pub fn program(weight: Tensor<2>, config: &CrossbarConfig) -> Result<Self> {
        config.validate()?;
        let device = weight.device();
        compute_path(&device)?;
        let [inputs, outputs] = weight.dims();
        if inputs == 0 || outputs == 0 {
            return Err(NeuroError::Shape { argument: "weight", actual: vec![inputs, outputs], expected: "[inputs, outputs], both >= 1".into() });
        }
        if !matches!(weight.dtype(), DType::F32 | DType::F16 | DType::BF16 | DType::F64) {
            return Err(NeuroError::DType { argument: "weight", actual: format!("{:?}", weight.dtype()), expected: "a float dtype".into() });
        }
        if let Some(limit) = max_binding_bytes(&device) {
            let planes = CrossbarSettings::new(config, inputs, outputs, 1).planes();
            let needed = (planes * inputs * outputs * 4) as u64;
            if needed > limit {
                return Err(NeuroError::TooLarge {
                    argument: "weight",
                    detail: format!("{needed} bytes of conductances exceed the {limit}-byte binding limit; split the layer"),
                });
            }
        }
        let weight = weight.cast(FloatDType::F32).detach();
        let settings = CrossbarSettings::new(config, inputs, outputs, 1);
        let w_max = weight.clone().abs().max().reshape([1]);
        let scales = Tensor::cat(vec![w_max.clone(), Tensor::ones([1], (&device, DType::F32))], 0);
        let planes = Tensor::<3>::from_dispatch(Dispatch::crossbar_program(weight.into_dispatch(), scales.clone().into_dispatch(), settings));
        let compensation = match config.drift {
            Some(drift) if drift.compensation => drift_compensation(&planes, settings.params.log_time_ratio),
            _ => Tensor::ones([1], (&device, DType::F32)),
        };
        Ok(ProgrammedCrossbar {
            planes,
            scales: Tensor::cat(vec![w_max, compensation], 0),
            config: config.clone(),
            inputs,
            outputs,
            reads: crate::rng::CallCounter::default(),
        })
    }

    /// The configuration this crossbar was programmed with.
    pub fn config(&self) -> &CrossbarConfig {
        &self.config
    }

    /// `[2 or 4, inputs, outputs]`: g+, g− in µS (and ν+, ν− with drift).
    pub fn planes(&self) -> Tensor<3> {
        self.planes.clone()
    }

    /// `[max|W|, drift compensation]` applied to every read.
    pub fn scales(&self) -> Tensor<1> {
        self.scales.clone()
    }

    /// Reads `input [batch, inputs]` (f32 or f16) with fresh read noise: `[batch, outputs]`.
    /// Differentiable with respect to `input`: its gradient is an analog read of Wᵀ through the
    /// same IO pipeline (bound management off, its own noise stream).
    pub fn read(&self, input: Tensor<2>) -> Result<Tensor<2>> {
        let call = u32::try_from(self.reads.next()).unwrap_or(u32::MAX);
        self.read_at(input, call, false).map(|(output, _)| output)
    }

    /// [`read`](Self::read), also returning power and current traces.
    pub fn read_with_traces(&self, input: Tensor<2>) -> Result<(Tensor<2>, ReadTraces)> {
        let call = u32::try_from(self.reads.next()).unwrap_or(u32::MAX);
        let (output, traces) = self.read_at(input, call, true)?;
        Ok((output, traces.expect("traces were requested")))
    }

    /// A read with an explicit read index: the same index gives the same noise.
    pub fn read_at(&self, input: Tensor<2>, call: u32, traces: bool) -> Result<(Tensor<2>, Option<ReadTraces>)> {
        let [batch, inputs] = input.dims();
        if inputs != self.inputs || batch == 0 {
            return Err(NeuroError::Shape {
                argument: "input",
                actual: vec![batch, inputs],
                expected: format!("[batch >= 1, {}] (the crossbar's inputs)", self.inputs),
            });
        }
        // Bit 23 marks the backward reads' noise stream.
        if call >= 1 << 23 {
            return Err(NeuroError::Range { argument: "call", value: call.to_string(), expected: "a read index below 2^23".into() });
        }
        let device = input.device();
        check_storage_dtype(&device, "input", input.dtype())?;
        if device != self.planes.device() {
            return Err(NeuroError::Device("`input` is on another device than the programmed crossbar".into()));
        }
        let mut settings = CrossbarSettings::new(&self.config, self.inputs, self.outputs, batch);
        settings.params.call = call;
        settings.variant.traces = traces;
        let (output, trace) =
            Dispatch::crossbar_read(input.into_dispatch(), self.planes.clone().into_dispatch(), self.scales.clone().into_dispatch(), settings);
        let output = Tensor::<2>::from_dispatch(output);
        let traces = traces.then(|| {
            let both = Tensor::<4>::from_dispatch(trace);
            let [_, b, tiles, outputs] = both.dims();
            ReadTraces { power: both.clone().slice([0..1]).reshape([b, tiles, outputs]), current: both.slice([1..2]).reshape([b, tiles, outputs]) }
        });
        Ok((output, traces))
    }

    /// The crossbar `t_inference` seconds after programming, as aihwkit's
    /// `drift_analog_weights(t_inference)` realises it: every device drifts to
    /// `g_prog·(t/t0)^(−ν)` (t = t_inference + t0) and gets PCM read noise drawn once
    /// (`realisation` selects the draw); outputs are rescaled by the global drift compensation
    /// when the configuration asks for it. Needs a crossbar programmed with `drift` set.
    pub fn drift_to(&self, t_inference: f32, realisation: u32) -> Result<ProgrammedCrossbar> {
        let Some(drift) = self.config.drift else {
            return Err(NeuroError::Range { argument: "drift", value: "None".into(), expected: "drift statistics: program with `drift` set".into() });
        };
        if !(t_inference >= 0.0 && t_inference.is_finite()) {
            return Err(NeuroError::Range { argument: "t_inference", value: t_inference.to_string(), expected: "seconds >= 0".into() });
        }
        let params = DriftParams::new(self.inputs * self.outputs, self.config.seed, realisation, t_inference, drift.t0, self.config.g_max, true);
        let planes = Tensor::<3>::from_dispatch(Dispatch::crossbar_drift(self.planes.clone().into_dispatch(), params));
        let device = planes.device();
        let compensation = if drift.compensation {
            let (p0, n0) = drifted(&self.planes, 0.0);
            let (p1, n1) = drifted(&planes, 0.0);
            ((p0 - n0).abs().sum() / (p1 - n1).abs().sum().clamp_min(1e-12)).reshape([1])
        } else {
            Tensor::ones([1], (&device, DType::F32))
        };
        let w_max = self.scales.clone().slice([0..1]);
        Ok(ProgrammedCrossbar {
            planes,
            scales: Tensor::cat(vec![w_max, compensation], 0),
            config: self.config.clone().with_drift(None),
            inputs: self.inputs,
            outputs: self.outputs,
            reads: crate::rng::CallCounter::default(),
        })
    }
}

/// Conductances after drift: `g·exp(−ν·ln(t/t0))` (unchanged without ν planes).
fn drifted(planes: &Tensor<3>, log_time_ratio: f32) -> (Tensor<2>, Tensor<2>) {
    let [count, inputs, outputs] = planes.dims();
    let plane = |p: usize| planes.clone().slice([p..p + 1]).reshape([inputs, outputs]);
    if count == 4 {
        let factor = |p: usize| (plane(p) * -log_time_ratio).exp();
        (plane(0) * factor(2), plane(1) * factor(3))
    } else {
        (plane(0), plane(1))
    }
}

/// aihwkit's global drift compensation, from the conductances: Σ|g+ − g−| at programming over
/// the same sum after drift (aihwkit reads an identity through the noisy forward; this is the
/// noise-free equivalent).
fn drift_compensation(planes: &Tensor<3>, log_time_ratio: f32) -> Tensor<1> {
    let (p0, n0) = drifted(planes, 0.0);
    let (p1, n1) = drifted(planes, log_time_ratio);
    let before = (p0 - n0).abs().sum();
    let after = (p1 - n1).abs().sum().clamp_min(1e-12);
    (before / after).reshape([1])
}
