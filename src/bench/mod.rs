//! Cross-platform benchmarking: device ceilings, every kernel family against its baseline,
//! records in JSON, a Markdown table and PNG charts, and comparisons between records.

pub mod compare;
pub mod measure;
pub mod record;
pub mod report;
pub mod suite;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::adapters::AdapterReport;
use record::{AdapterInfo, BenchRecord, SCHEMA_VERSION};
use suite::{SuiteConfig, SuiteOutcome};

/// Wraps one device's outcome with what it was measured on.
pub fn record(adapter: &AdapterReport, config: &SuiteConfig, outcome: SuiteOutcome) -> BenchRecord {
    let now = SystemTime::now();
    BenchRecord {
        schema: SCHEMA_VERSION,
        adapter: AdapterInfo {
            name: adapter.name.clone(),
            backend: adapter.backend.clone(),
            device_type: adapter.device_type.clone(),
            driver: adapter.driver.clone(),
            driver_info: adapter.driver_info.clone(),
            shader_f16: adapter.shader_f16,
            timestamps: adapter.timestamps,
        },
        burn_neuro_version: env!("CARGO_PKG_VERSION").into(),
        burn_version: env!("BURN_NEURO_BURN_VERSION").into(),
        wgpu_version: env!("BURN_NEURO_WGPU_VERSION").into(),
        git_revision: env!("BURN_NEURO_GIT_REVISION").into(),
        unix_time: now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        date: humantime::format_rfc3339_seconds(now).to_string(),
        mode: if config.quick { "quick" } else { "full" }.into(),
        copy_peak_gb_per_s: outcome.copy_peak_gb_per_s,
        fma_peak_gflop_per_s: outcome.fma_peak_gflop_per_s,
        results: outcome.results,
        comparisons: outcome.comparisons,
        break_even_density: outcome.break_even_density,
    }
}

/// A file-name-safe stem for an adapter: `bench-<index>-<name>-<api>`.
pub fn file_stem(adapter: &AdapterReport) -> String {
    let name: String = adapter
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    let name = name.split('-').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("-");
    format!("bench-{}-{}-{}", adapter.index, name, adapter.backend.to_lowercase())
}
