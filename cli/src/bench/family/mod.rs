//! One file per kernel family, each measuring its cases against its baseline on the devices of
//! a [`Context`] and adding results and side-by-side comparisons to it.

pub mod ceiling;
pub mod crossbar;
pub mod lif;
pub mod lowbit;
pub mod mif;
pub mod pulsed_update;
pub mod reservoir_node;
pub mod snn_harness;
pub mod spike_propagate;

use burn::tensor::{DType, Device};

use super::measure::{Samples, Stats, Warmup};
use super::record::{BenchResult, Comparison, Rates, Work};
use super::suite::{SuiteConfig, SuiteOutcome, break_even};

/// A family: its name (the `cargo bench` target and the records' `family` prefix) and its run.
pub struct Family {
    /// The family's stem.
    pub name: &'static str,
    /// Measures its cases.
    pub run: fn(&mut Context),
}

/// Every family, in the order `bench` runs them (the ceilings first).
pub const FAMILIES: [Family; 9] = [
    Family { name: "ceiling", run: ceiling::run },
    Family { name: "lif", run: lif::run },
    Family { name: "spike_propagate", run: spike_propagate::run },
    Family { name: "snn_harness", run: snn_harness::run },
    Family { name: "crossbar", run: crossbar::run },
    Family { name: "pulsed_update", run: pulsed_update::run },
    Family { name: "lowbit", run: lowbit::run },
    Family { name: "mif", run: mif::run },
    Family { name: "reservoir_node", run: reservoir_node::run },
];

/// What the families share while they run on one device, and what they add to.
pub struct Context<'a> {
    /// The device without autodiff (kernels, inference).
    pub plain: Device,
    /// The same device with autodiff (training steps).
    pub autodiff: Device,
    /// F32, and F16 where the device has it.
    pub dtypes: Vec<DType>,
    /// Sizes and sample counts.
    pub config: &'a SuiteConfig,
    /// Samples per case.
    pub samples: usize,
    /// Warm-up before sampling.
    pub warmup: Warmup,
    /// Copy GB/s and FMA GFLOP/s ceilings (0 until measured).
    pub peaks: (f64, f64),
    /// Every measured case.
    pub results: Vec<BenchResult>,
    /// Side-by-side ratios.
    pub comparisons: Vec<Comparison>,
    /// (density, sparse speedup) of the propagation sweep.
    pub sweep: Vec<(f64, f64)>,
    /// Called after each case.
    pub progress: &'a mut dyn FnMut(&str),
}

impl<'a> Context<'a> {
    /// A context on `device` with nothing measured yet.
    pub fn new(device: &Device, config: &'a SuiteConfig, progress: &'a mut dyn FnMut(&str)) -> Self {
        let plain = device.clone().without_autodiff();
        let autodiff = plain.clone().autodiff();
        let dtypes = if plain.supports_dtype(DType::F16) { vec![DType::F32, DType::F16] } else { vec![DType::F32] };
        Context {
            plain,
            autodiff,
            dtypes,
            config,
            samples: config.samples,
            warmup: config.warmup,
            peaks: (0.0, 0.0),
            results: Vec::new(),
            comparisons: Vec::new(),
            sweep: Vec::new(),
            progress,
        }
    }

    /// Everything measured.
    pub fn outcome(self) -> SuiteOutcome {
        SuiteOutcome {
            copy_peak_gb_per_s: self.peaks.0,
            fma_peak_gflop_per_s: self.peaks.1,
            break_even_density: break_even(&self.sweep),
            results: self.results,
            comparisons: self.comparisons,
        }
    }
}

pub(crate) struct Case<'a> {
    family: &'a str,
    variant: &'a str,
    pass: &'a str,
    shape: Vec<usize>,
    dtype: DType,
    params: Vec<(&'a str, f64)>,
    work: Work,
}

pub(crate) fn result(case: Case, samples: Samples, peaks: (f64, f64)) -> BenchResult {
    let stats = Stats::of(&samples.seconds);
    let per_s = |amount: f64| amount / stats.median;
    let gb_per_s = per_s(case.work.bytes) / 1e9;
    let gflop_per_s = per_s(case.work.flops) / 1e9;
    BenchResult {
        family: case.family.into(),
        variant: case.variant.into(),
        pass: case.pass.into(),
        shape: case.shape,
        dtype: format!("{:?}", case.dtype),
        params: case.params.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        samples,
        stats,
        work: case.work,
        rates: Rates {
            gb_per_s,
            gflop_per_s,
            events_per_s: per_s(case.work.events),
            fraction_of_copy_peak: if peaks.0 > 0.0 { gb_per_s / peaks.0 } else { 0.0 },
            fraction_of_fma_peak: if peaks.1 > 0.0 { gflop_per_s / peaks.1 } else { 0.0 },
        },
        held_for_backward_bytes: None,
    }
}

/// Deterministic values in [offset, offset + scale) (a fixed stride, no RNG).
pub(crate) fn pattern(len: usize, scale: f32, offset: f32) -> Vec<f32> {
    (0..len).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 * scale + offset).collect()
}
