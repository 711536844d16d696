//! Device ceilings: streaming copy bandwidth and FMA rate, measured with the ceiling
//! microkernels. Every other family reports its rates as fractions of these.

use burn::backend::Dispatch;
use burn::tensor::{DType, Tensor, TensorData};
use burn_neuro::backend::CeilingOps;
use burn_neuro::kernels::ceiling::fma_flops;

use super::super::measure::sample;
use super::super::record::Work;
use super::{Case, Context, pattern, result};

/// Measures both ceilings and stores them in `ctx.peaks`.
pub fn run(ctx: &mut Context) {
    // Ceilings.
    let source =
        Tensor::<1>::from_data(TensorData::new(pattern(ctx.config.copy_elements, 1.0, 0.0), [ctx.config.copy_elements]), (&ctx.plain, DType::F32));
    let copy = sample(&ctx.plain, ctx.warmup, ctx.samples, || Tensor::<1>::from_dispatch(Dispatch::ceiling_copy(source.clone().into_dispatch())));
    let copy_case = Case {
        family: "ceiling",
        variant: "copy",
        pass: "copy",
        shape: vec![ctx.config.copy_elements],
        dtype: DType::F32,
        params: vec![],
        work: Work { bytes: 8.0 * ctx.config.copy_elements as f64, ..Work::default() },
    };
    let copy_result = result(copy_case, copy, (0.0, 0.0));
    let copy_peak = copy_result.rates.gb_per_s;
    ctx.results.push(copy_result);
    (ctx.progress)("ceiling: copy");
    let fma = sample(&ctx.plain, ctx.warmup, ctx.samples, || {
        Tensor::<1>::from_dispatch(Dispatch::ceiling_fma(source.clone().into_dispatch(), ctx.config.fma_invocations))
    });
    let fma_case = Case {
        family: "ceiling",
        variant: "fma",
        pass: "fma",
        shape: vec![ctx.config.fma_invocations],
        dtype: DType::F32,
        params: vec![],
        work: Work { flops: fma_flops(ctx.config.fma_invocations), ..Work::default() },
    };
    let fma_result = result(fma_case, fma, (0.0, 0.0));
    let fma_peak = fma_result.rates.gflop_per_s;
    ctx.results.push(fma_result);
    (ctx.progress)("ceiling: fma");
    ctx.peaks = (copy_peak, fma_peak);
}
