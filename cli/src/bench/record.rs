//! What `bench` writes: one JSON record per adapter run, holding every result with its raw
//! samples and statistics.

use serde::{Deserialize, Serialize};

use super::measure::{Samples, Stats};

/// Version of the JSON layout below; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Work one run of a case does, for derived rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Work {
    /// Bytes the kernels must move at the least.
    pub bytes: f64,
    /// Floating-point operations.
    pub flops: f64,
    /// Events: synaptic events (active input × output) for propagation, pulses for the pulsed
    /// device update.
    pub events: f64,
}

/// Rates derived from the median time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    pub gb_per_s: f64,
    pub gflop_per_s: f64,
    pub events_per_s: f64,
    /// Achieved bandwidth over this device's measured copy bandwidth.
    pub fraction_of_copy_peak: f64,
    /// Achieved flop rate over this device's measured FMA rate.
    pub fraction_of_fma_peak: f64,
}

/// One measured case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// Kernel family: `ceiling`, `lif`, `spike_propagate`.
    pub family: String,
    /// Implementation: e.g. `fused`, `tensor_ops`, `sparse`, `dense`, `copy`, `fma`.
    pub variant: String,
    /// What one run covers: e.g. `forward+backward`.
    pub pass: String,
    pub shape: Vec<usize>,
    pub dtype: String,
    /// Case parameters (time steps, density, ...), `name=value` pairs.
    pub params: Vec<(String, f64)>,
    pub samples: Samples,
    pub stats: Stats,
    pub work: Work,
    pub rates: Rates,
    /// Device bytes a forward pass leaves allocated for its backward (autodiff graph alive,
    /// output included), where measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_for_backward_bytes: Option<u64>,
}

impl BenchResult {
    /// Identity used to match results across records (`bench compare`).
    pub fn key(&self) -> String {
        let params: Vec<String> = self.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}/{}/{} {:?} {} {}", self.family, self.variant, self.pass, self.shape, self.dtype, params.join(","))
    }
}

/// A ratio measured side by side in the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub name: String,
    /// Baseline median over candidate median: > 1 means the candidate is faster.
    pub speedup: f64,
}

/// The adapter a record was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterInfo {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
    pub shader_f16: bool,
    pub timestamps: bool,
    /// `SUBGROUP` operations (absent in records of schema 1).
    #[serde(default)]
    pub subgroups: bool,
    /// How the WGSL reaches the API, e.g. "WGSL → SPIR-V (naga)" (absent in schema 1).
    #[serde(default)]
    pub shader_path: String,
}

/// Everything one `bench` run measured on one adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRecord {
    pub schema: u32,
    pub adapter: AdapterInfo,
    pub burn_neuro_version: String,
    pub burn_version: String,
    pub wgpu_version: String,
    pub git_revision: String,
    /// Seconds since the Unix epoch, and the same as RFC 3339 (UTC).
    pub unix_time: u64,
    pub date: String,
    /// `quick` or `full`.
    pub mode: String,
    pub copy_peak_gb_per_s: f64,
    pub fma_peak_gflop_per_s: f64,
    pub results: Vec<BenchResult>,
    pub comparisons: Vec<Comparison>,
    /// Density below which sparse propagation beat dense (forward), if the sweep crossed it.
    pub break_even_density: Option<f64>,
}
