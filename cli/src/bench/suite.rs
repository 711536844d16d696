//! The benchmark suite: its sizes, and the run of every family (`super::family`) side by side
//! on one device.

use burn::tensor::Device;

use super::family::{self, Context, FAMILIES};
use super::measure::Warmup;
use super::record::{BenchResult, Comparison};

/// Sizes and sample counts.
#[derive(Debug, Clone)]
pub struct SuiteConfig {
    pub quick: bool,
    pub samples: usize,
    pub warmup: Warmup,
    /// Neurons for the LIF cases.
    pub lif_neurons: usize,
    pub lif_steps: Vec<usize>,
    /// Rows and N_in = N_out for propagation.
    pub propagate_rows: usize,
    pub propagate_size: usize,
    pub densities: Vec<f64>,
    /// Open Neuromorphic harness (Linear + Leaky, batch 16): time steps and layer widths.
    pub harness_steps: usize,
    pub harness_sizes: Vec<usize>,
    /// Crossbar VMM: batch and square sizes.
    pub crossbar_batch: usize,
    pub crossbar_sizes: Vec<usize>,
    /// Pulsed device update: devices, and the pulses per device of each case.
    pub pulsed_devices: usize,
    pub pulse_counts: Vec<usize>,
    /// Low-bit conv SNN training step: batch and time steps.
    pub lowbit_batch: usize,
    pub lowbit_steps: usize,
    /// Elements moved by the copy probe, invocations of the FMA probe.
    pub copy_elements: usize,
    pub fma_invocations: usize,
}

impl SuiteConfig {
    /// Small sizes that finish in about 50 s on a software adapter with 2 cores.
    pub fn quick() -> Self {
        SuiteConfig {
            quick: true,
            samples: 15,
            warmup: Warmup::default(),
            lif_neurons: 16_384,
            lif_steps: vec![8, 32],
            propagate_rows: 128,
            propagate_size: 1024,
            densities: vec![0.005, 0.02, 0.05, 0.2],
            harness_steps: 50,
            harness_sizes: vec![256],
            crossbar_batch: 256,
            crossbar_sizes: vec![512],
            pulsed_devices: 1 << 18,
            pulse_counts: vec![1, 8],
            // Convolution training on a software rasterizer costs ~25 ms per image-step.
            lowbit_batch: 4,
            lowbit_steps: 2,
            copy_elements: 1 << 20,
            fma_invocations: 1 << 14,
        }
    }

    /// Sizes for real GPUs (issue targets: LIF 1 Mi neurons, propagation 400 × 4096²).
    pub fn full() -> Self {
        SuiteConfig {
            quick: false,
            samples: 25,
            warmup: Warmup::default(),
            lif_neurons: 1 << 20,
            lif_steps: vec![8, 32],
            propagate_rows: 400,
            propagate_size: 4096,
            densities: vec![0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5],
            harness_steps: 500,
            harness_sizes: vec![4096, 16384],
            crossbar_batch: 256,
            crossbar_sizes: vec![512, 1024],
            pulsed_devices: 1 << 24,
            pulse_counts: vec![1, 8],
            lowbit_batch: 128,
            lowbit_steps: 25,
            copy_elements: 1 << 26,
            fma_invocations: 1 << 20,
        }
    }

    /// Number of cases [`run`] measures (for a progress bar).
    pub fn case_count(&self, f16: bool) -> usize {
        let dtypes = if f16 { 2 } else { 1 };
        2 + self.lif_steps.len() * dtypes * 3
            + self.densities.len() * 2
            + self.crossbar_sizes.len() * dtypes * 2
            + self.harness_sizes.len() * 4
            + self.pulse_counts.len()
            + dtypes * 3
            + 2
            + dtypes * 3
    }
}

/// Everything measured on one device.
pub struct SuiteOutcome {
    pub copy_peak_gb_per_s: f64,
    pub fma_peak_gflop_per_s: f64,
    pub results: Vec<BenchResult>,
    pub comparisons: Vec<Comparison>,
    pub break_even_density: Option<f64>,
}

/// Runs every family on `device`, calling `progress` after each case. The ceilings come
/// first: every other rate is reported as a fraction of them.
pub fn run(device: &Device, config: &SuiteConfig, mut progress: impl FnMut(&str)) -> SuiteOutcome {
    let mut ctx = Context::new(device, config, &mut progress);
    for family in FAMILIES {
        (family.run)(&mut ctx);
    }
    ctx.outcome()
}

/// Runs the ceilings and then one family (`cargo bench --bench <family>`).
pub fn run_family(device: &Device, config: &SuiteConfig, name: &str, mut progress: impl FnMut(&str)) -> Option<SuiteOutcome> {
    let family = FAMILIES.iter().find(|f| f.name == name)?;
    let mut ctx = Context::new(device, config, &mut progress);
    family::ceiling::run(&mut ctx);
    if family.name != "ceiling" {
        (family.run)(&mut ctx);
    }
    Some(ctx.outcome())
}

/// Density where the sparse speedup crosses 1, interpolated in log density.
pub fn break_even(sweep: &[(f64, f64)]) -> Option<f64> {
    sweep.windows(2).find_map(|w| {
        let ((d0, s0), (d1, s1)) = (w[0], w[1]);
        (s0 >= 1.0 && s1 < 1.0).then(|| {
            let t = s0.ln() / (s0.ln() - s1.ln());
            (d0.ln() + t * (d1.ln() - d0.ln())).exp()
        })
    })
}
