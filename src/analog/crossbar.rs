//! Program once, read many: a weight matrix realised as crossbar conductances, and analog
//! reads through it.

use burn::backend::Dispatch;
use burn::tensor::{DType, FloatDType, Tensor};

use super::config::CrossbarConfig;
use crate::backend::CrossbarOps;
use crate::device::{check_storage_dtype, compute_path, max_binding_bytes};
use crate::error::{NeuroError, Result};
use crate::kernels::crossbar::{CrossbarSettings, DriftParams};

/// What a read cost, per (batch row, row tile, column) and per batch row.
///
/// Power and current are those of the final bound-management pass at the configured read
/// voltage. A pass takes the [`ReadTiming`](crate::analog::config::ReadTiming)'s integration
/// time plus one ADC conversion time per column sharing an ADC; tiles work in parallel, so a
/// row's read lasts as long as its slowest tile. Energy is the array's Σ power × integration
/// time over every pass, plus one ADC conversion per column per pass.
#[derive(Debug, Clone)]
pub struct ReadTraces {
    /// `[batch, row_tiles, outputs]` power drawn per tile column, µW.
    pub power: Tensor<3>,
    /// `[batch, row_tiles, outputs]` column current, µA.
    pub current: Tensor<3>,
    /// `[batch, row_tiles, outputs]` bound-management passes (1 when the first read fit).
    pub passes: Tensor<3>,
    /// `[batch]` read duration, seconds.
    pub duration: Tensor<1>,
    /// `[batch]` energy of the arrays alone, pJ.
    pub array_energy: Tensor<1>,
    /// `[batch]` total energy (arrays and ADC conversions), pJ.
    pub energy: Tensor<1>,
}

/// Read indices at and above this are reserved: bit 22 marks the drift-compensation readouts,
/// bit 23 the backward reads.
const READOUT_CALL: u32 = 1 << 22;

/// A programmed crossbar: conductances with programming noise, levels, device variation,
/// faults and drift exponents realised once from the configuration's seed, and the effective
/// weights every read multiplies by.
///
/// The mapping is aihwkit's: the tile stores `W_tile` — the weights as given when
/// `weight_scaling_omega` is 0, or rescaled to max|W| = ω (per tensor or per column) — and the
/// IO pipeline (noise management, DAC, MAC, IR drop, noise, ADC, bound management) acts on
/// `W_tile·x'`; the inverse scale multiplies the output digitally. Conductances map
/// max|W_tile| onto `g_max − g_min` (aihwkit's `SinglePairConductanceConverter`), so programming
/// noise and drift act in µS while reads see them in weight units.
#[derive(Debug, Clone)]
pub struct ProgrammedCrossbar {
    /// `[2 or 4, inputs, outputs]`: g+, g− (µS) and, with drift, ν+, ν−.
    planes: Tensor<3>,
    /// `[inputs, outputs]`: (g+ − g−) in units of W_tile, drift folded in.
    effective: Tensor<2>,
    /// `[outputs]`: the ω mapping scale (1 with ω = 0).
    mapping_scales: Tensor<1>,
    /// `[outputs]`: mapping scale × drift compensation, applied to every output.
    gains: Tensor<1>,
    /// `[1]`: µS of conductance difference per unit of W_tile.
    conductance_per_weight: Tensor<1>,
    /// `[1]`: aihwkit's drift-compensation reference readout at programming (with compensation).
    drift_baseline: Option<Tensor<1>>,
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
        let mapping_scales = mapping_scales(&weight, config);
        let tile_weight = if config.weight_scaling_omega > 0.0 { weight / mapping_scales.clone().reshape([1, outputs]) } else { weight };
        let tile_max = nonzero(finite_abs(&tile_weight).max().reshape([1]));
        let planes = Tensor::<3>::from_dispatch(Dispatch::crossbar_program(tile_weight.into_dispatch(), tile_max.clone().into_dispatch(), settings));
        let conductance_per_weight = tile_max.recip() * (config.g_max - config.g_min);
        let mut crossbar = ProgrammedCrossbar {
            effective: effective_weights(&planes, settings.params.log_time_ratio, &conductance_per_weight),
            planes,
            gains: mapping_scales.clone(),
            mapping_scales,
            conductance_per_weight,
            drift_baseline: None,
            config: config.clone(),
            inputs,
            outputs,
            reads: crate::rng::CallCounter::default(),
        };
        if config.drift.is_some_and(|d| d.compensation) {
            let baseline = crossbar.readout(effective_weights(&crossbar.planes, 0.0, &crossbar.conductance_per_weight), READOUT_CALL)?;
            if settings.params.log_time_ratio > 0.0 {
                let now = crossbar.readout(crossbar.effective.clone(), READOUT_CALL | 1)?;
                crossbar.gains = crossbar.mapping_scales.clone() * (baseline.clone() / now);
            }
            crossbar.drift_baseline = Some(baseline);
        }
        Ok(crossbar)
    }

    /// aihwkit's global drift-compensation readout: mean |y| of an identity read through the
    /// full, noisy IO pipeline without the output gains, at least 1e-4.
    fn readout(&self, effective: Tensor<2>, call: u32) -> Result<Tensor<1>> {
        let device = effective.device();
        let identity = Tensor::<2>::eye(self.inputs, &device).cast(FloatDType::F32);
        let mut settings = CrossbarSettings::new(&self.config, self.inputs, self.outputs, self.inputs);
        settings.params.call = call;
        let (output, _) = Dispatch::crossbar_read(
            identity.into_dispatch(),
            effective.into_dispatch(),
            Tensor::<1>::zeros([1], (&device, DType::F32)).into_dispatch(),
            Tensor::<1>::ones([self.outputs], (&device, DType::F32)).into_dispatch(),
            settings,
        );
        Ok(Tensor::<2>::from_dispatch(output).abs().mean().clamp_min(1e-4).reshape([1]))
    }

    /// The configuration this crossbar was programmed with.
    pub fn config(&self) -> &CrossbarConfig {
        &self.config
    }

    /// `[2 or 4, inputs, outputs]`: g+, g− in µS (and ν+, ν− with drift).
    pub fn planes(&self) -> Tensor<3> {
        self.planes.clone()
    }

    /// `[inputs, outputs]`: the weights every read multiplies by, in the tile's units (W_tile
    /// as realised by the devices, drift folded in).
    pub fn effective_weights(&self) -> Tensor<2> {
        self.effective.clone()
    }

    /// `[outputs]`: the digital gain of every output (ω mapping scale × drift compensation).
    pub fn gains(&self) -> Tensor<1> {
        self.gains.clone()
    }

    /// `[1]`: µS of conductance difference per unit of the tile's weights.
    pub fn conductance_per_weight(&self) -> Tensor<1> {
        self.conductance_per_weight.clone()
    }

    /// Reads `input [batch, inputs]` (f32 or f16) with fresh read noise: `[batch, outputs]`.
    /// Differentiable with respect to `input`: its gradient is an analog read of Wᵀ through the
    /// same IO pipeline (bound management off, its own noise stream).
    pub fn read(&self, input: Tensor<2>) -> Result<Tensor<2>> {
        self.read_at(input, self.next_read_index(), false).map(|(output, _)| output)
    }

    /// [`read`](Self::read), also returning power, current, passes, duration and energy.
    pub fn read_with_traces(&self, input: Tensor<2>) -> Result<(Tensor<2>, ReadTraces)> {
        let (output, traces) = self.read_at(input, self.next_read_index(), true)?;
        Ok((output, traces.expect("traces were requested")))
    }

    /// The next read's noise index. The 64-bit read count wraps onto the 2^22 read streams, so a
    /// crossbar reads forever; its read noise repeats after 4,194,304 reads (it used to stick on
    /// one stream after 2^32).
    fn next_read_index(&self) -> u32 {
        (self.reads.next() % u64::from(READOUT_CALL)) as u32
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
        if call >= READOUT_CALL {
            return Err(NeuroError::Range { argument: "call", value: call.to_string(), expected: format!("a read index below {READOUT_CALL}") });
        }
        let device = input.device();
        check_storage_dtype(&device, "input", input.dtype())?;
        if device != self.planes.device() {
            return Err(NeuroError::Device("`input` is on another device than the programmed crossbar".into()));
        }
        let mut settings = CrossbarSettings::new(&self.config, self.inputs, self.outputs, batch);
        settings.params.call = call;
        settings.variant.traces = traces;
        if let Some(limit) = max_binding_bytes(&device) {
            // The read and, where the input tracks a gradient, the transposed read of it.
            let backward = if input.is_require_grad() { settings.transposed(batch).largest_read_buffer_bytes() } else { 0 };
            let needed = settings.largest_read_buffer_bytes().max(backward);
            if needed > limit {
                return Err(NeuroError::TooLarge {
                    argument: "input",
                    detail: format!(
                        "a batch of {batch} needs a {needed}-byte read buffer, over this adapter's {limit}-byte binding limit; split the batch"
                    ),
                });
            }
        }
        let conductance_sum = if traces {
            let (positive, negative) = drifted(&self.planes, settings.params.log_time_ratio);
            positive + negative
        } else {
            Tensor::<2>::zeros([1, 1], (&device, DType::F32))
        };
        let (output, trace) = Dispatch::crossbar_read(
            input.into_dispatch(),
            self.effective.clone().into_dispatch(),
            conductance_sum.into_dispatch(),
            self.gains.clone().into_dispatch(),
            settings,
        );
        let output = Tensor::<2>::from_dispatch(output);
        let traces = traces.then(|| self.traces(Tensor::<4>::from_dispatch(trace), &settings));
        Ok((output, traces))
    }

    /// [`ReadTraces`] from the read's `[power | current | energy | passes]` planes.
    fn traces(&self, planes: Tensor<4>, settings: &CrossbarSettings) -> ReadTraces {
        let [_, batch, tiles, outputs] = planes.dims();
        let plane = |p: usize| planes.clone().slice([p..p + 1]).reshape([batch, tiles, outputs]);
        let timing = &self.config.timing;
        let columns = (settings.params.tile_cols as usize).min(outputs);
        let pass_time = timing.integration_time + columns.div_ceil(timing.columns_per_adc as usize) as f32 * timing.adc_conversion_time;
        let passes = plane(3);
        let per_row = |t: Tensor<3>| t.reshape([batch, tiles * outputs]).sum_dim(1).reshape([batch]);
        let array_energy = per_row(plane(2));
        let conversions = per_row(passes.clone());
        ReadTraces {
            power: plane(0),
            current: plane(1) * self.conductance_per_weight.clone().reshape([1, 1, 1]),
            duration: passes.clone().reshape([batch, tiles * outputs]).max_dim(1).reshape([batch]) * pass_time,
            energy: array_energy.clone() + conversions * timing.adc_energy,
            array_energy,
            passes,
        }
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
        let effective = effective_weights(&planes, 0.0, &self.conductance_per_weight);
        let mut later = ProgrammedCrossbar {
            planes,
            effective,
            mapping_scales: self.mapping_scales.clone(),
            gains: self.mapping_scales.clone(),
            conductance_per_weight: self.conductance_per_weight.clone(),
            drift_baseline: self.drift_baseline.clone(),
            config: self.config.clone().with_drift(None),
            inputs: self.inputs,
            outputs: self.outputs,
            reads: crate::rng::CallCounter::default(),
        };
        if let Some(baseline) = &self.drift_baseline {
            let now = later.readout(later.effective.clone(), READOUT_CALL | (1 + realisation % (READOUT_CALL - 1)))?;
            later.gains = later.mapping_scales.clone() * (baseline.clone() / now);
        }
        Ok(later)
    }
}

/// aihwkit's mapping scales `[outputs]`: max|W| / ω per tensor or per column (1 where the
/// maximum is 0), or 1 with ω = 0.
fn mapping_scales(weight: &Tensor<2>, config: &CrossbarConfig) -> Tensor<1> {
    let [_, outputs] = weight.dims();
    let device = weight.device();
    let omega = config.weight_scaling_omega;
    if omega <= 0.0 {
        return Tensor::ones([outputs], (&device, DType::F32));
    }
    let magnitude = finite_abs(weight);
    let maxima = if config.weight_scaling_columnwise { magnitude.max_dim(0).reshape([outputs]) } else { magnitude.max().reshape([1]) };
    let scales = nonzero(maxima / omega);
    if config.weight_scaling_columnwise { scales } else { Tensor::ones([outputs], (&device, DType::F32)) * scales }
}

/// |W| with non-finite entries as 0, for the scales: a non-finite weight programs NaN devices
/// (its column reads NaN, as the dense product's would) and must not rescale the others.
fn finite_abs(weight: &Tensor<2>) -> Tensor<2> {
    let non_finite = weight.clone().is_finite().bool_not();
    weight.clone().abs().mask_fill(non_finite, 0.0)
}

/// `values` with every 0 replaced by 1 (aihwkit: `alpha[alpha == 0] = 1`).
fn nonzero(values: Tensor<1>) -> Tensor<1> {
    let zero = values.clone().equal_elem(0.0);
    values.mask_fill(zero, 1.0)
}

/// `[inputs, outputs]` effective weights: (g+ − g−) after drift, over µS per unit weight.
fn effective_weights(planes: &Tensor<3>, log_time_ratio: f32, conductance_per_weight: &Tensor<1>) -> Tensor<2> {
    let (positive, negative) = drifted(planes, log_time_ratio);
    (positive - negative) / conductance_per_weight.clone().reshape([1, 1])
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
