//! The crossbar family: an analog read with every read-time non-ideality against a plain
//! matmul of the same shape.

use burn::tensor::{DType, Tensor, TensorData};
use burn_neuro::analog::config::ReadNoise;
use burn_neuro::analog::{CrossbarConfig, ProgrammedCrossbar};

use super::super::measure::sample;
use super::super::record::{Comparison, Work};
use super::{Case, Context, pattern, result};

/// Every configured size and dtype.
pub fn run(ctx: &mut Context) {
    // Crossbar VMM with every read-time non-ideality vs a plain matmul of the same shape.
    let crossbar_config = CrossbarConfig::rram().with_read_noise(ReadNoise::PcmRead(0.02)).with_seed(1);
    for &size in &ctx.config.crossbar_sizes {
        let weight = Tensor::<2>::from_data(TensorData::new(pattern(size * size, 1.0, -0.5), [size, size]), (&ctx.plain, DType::F32));
        let crossbar = ProgrammedCrossbar::program(weight.clone(), &crossbar_config).expect("valid crossbar");
        for &dtype in &ctx.dtypes {
            let batch = ctx.config.crossbar_batch;
            let x =
                Tensor::<2>::from_data(TensorData::new(pattern(batch * size, 2.0, -1.0), [batch, size]).convert_dtype(dtype), (&ctx.plain, dtype));
            let analog = sample(&ctx.plain, ctx.warmup, ctx.samples, || crossbar.read(x.clone()).expect("valid read"));
            let w = weight.clone().cast(dtype);
            let matmul = sample(&ctx.plain, ctx.warmup, ctx.samples, || x.clone().matmul(w.clone()));
            let flops = 2.0 * (batch * size * size) as f64;
            let case = |variant| Case {
                family: "crossbar",
                variant,
                pass: "forward",
                shape: vec![batch, size, size],
                dtype,
                params: vec![],
                work: Work { bytes: 4.0 * (2 * size * size) as f64 + (2 * batch * size) as f64 * dtype.size() as f64, flops, events: 0.0 },
            };
            let analog = result(case("analog_vmm"), analog, ctx.peaks);
            let matmul = result(case("matmul"), matmul, ctx.peaks);
            ctx.comparisons.push(Comparison {
                name: format!("crossbar VMM (rram, all effects) vs matmul time, {size}x{size}, {dtype:?}"),
                speedup: matmul.stats.median / analog.stats.median,
            });
            ctx.results.push(analog);
            ctx.results.push(matmul);
            (ctx.progress)(&format!("crossbar {size} {dtype:?}"));
        }
    }
}
