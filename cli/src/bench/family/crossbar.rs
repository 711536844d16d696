//! The crossbar family: an analog read through each preset against a plain matmul of the same
//! shape, with the read's energy per MAC.

use burn::tensor::{DType, Tensor, TensorData};
use burn_neuro::analog::{CrossbarConfig, ProgrammedCrossbar};

use super::super::measure::sample;
use super::super::record::{Comparison, Work};
use super::{Case, Context, pattern, result};

/// The presets timed: aihwkit's inference defaults (no IR drop), and an RRAM tile with every
/// effect (IR drop, read noise, levels, faults).
fn presets() -> [(&'static str, &'static str, CrossbarConfig); 2] {
    [
        ("aihwkit_default", "analog_aihwkit_default", CrossbarConfig::aihwkit_default().with_seed(1)),
        ("rram", "analog_rram", CrossbarConfig::rram().with_seed(1)),
    ]
}

/// Every configured size, preset and dtype.
pub fn run(ctx: &mut Context) {
    let batch = ctx.config.crossbar_batch;
    for &size in &ctx.config.crossbar_sizes {
        // Weights of a trained layer's scale (|w| <= 1/√size), so aihwkit's ω = 0 mapping sees
        // outputs in the ADC's range, as it would for a real model.
        let scale = 2.0 / (size as f32).sqrt();
        let weight = Tensor::<2>::from_data(TensorData::new(pattern(size * size, scale, -scale / 2.0), [size, size]), (&ctx.plain, DType::F32));
        for &dtype in &ctx.dtypes {
            let x =
                Tensor::<2>::from_data(TensorData::new(pattern(batch * size, 2.0, -1.0), [batch, size]).convert_dtype(dtype), (&ctx.plain, dtype));
            let w = weight.clone().cast(dtype);
            let matmul = sample(&ctx.plain, ctx.warmup, ctx.samples, || x.clone().matmul(w.clone()));
            let flops = 2.0 * (batch * size * size) as f64;
            let case = |variant: &'static str, energy: Option<f64>| Case {
                family: "crossbar",
                variant,
                pass: "forward",
                shape: vec![batch, size, size],
                dtype,
                params: energy.map(|e| vec![("fj_per_mac", e)]).unwrap_or_default(),
                work: Work { bytes: 4.0 * (size * size) as f64 + (2 * batch * size) as f64 * dtype.size() as f64, flops, events: 0.0 },
            };
            let matmul = result(case("matmul", None), matmul, ctx.peaks);
            for (name, variant, config) in presets() {
                let crossbar = ProgrammedCrossbar::program(weight.clone(), &config).expect("valid crossbar");
                let analog = sample(&ctx.plain, ctx.warmup, ctx.samples, || crossbar.read(x.clone()).expect("valid read"));
                let (_, traces) = crossbar.read_with_traces(x.clone()).expect("valid read");
                let joules = traces.energy.sum().into_data().iter::<f32>().next().unwrap_or(f32::NAN) as f64 * 1e-12;
                let femtojoules_per_mac = (joules / (batch * size * size) as f64 * 1e15 * 1000.0).round() / 1000.0;
                let analog = result(case(variant, Some(femtojoules_per_mac)), analog, ctx.peaks);
                ctx.comparisons.push(Comparison {
                    name: format!("crossbar read ({name}) vs matmul time, batch {batch}, {size}x{size}, {dtype:?}"),
                    speedup: matmul.stats.median / analog.stats.median,
                });
                ctx.results.push(analog);
                (ctx.progress)(&format!("crossbar {name} {size} {dtype:?}"));
            }
            ctx.results.push(matmul);
        }
    }
}
