//! Cross-platform benchmarking: device ceilings, every kernel family against its baseline,
//! records in JSON, a Markdown table and PNG charts, and comparisons between records.

pub mod compare;
pub mod family;
pub mod measure;
pub mod parallel;
pub mod record;
pub mod report;
pub mod suite;

use std::time::{SystemTime, UNIX_EPOCH};

use burn_neuro::adapters::AdapterReport;
use record::{AdapterInfo, BenchRecord, SCHEMA_VERSION};
use suite::{SuiteConfig, SuiteOutcome};

/// What a record says of a local adapter.
pub fn adapter_info(adapter: &AdapterReport) -> AdapterInfo {
    AdapterInfo {
        name: adapter.name.clone(),
        backend: adapter.backend.clone(),
        device_type: adapter.device_type.clone(),
        driver: adapter.driver.clone(),
        driver_info: adapter.driver_info.clone(),
        shader_f16: adapter.shader_f16,
        timestamps: adapter.timestamps,
        subgroups: adapter.subgroups,
        shader_path: adapter.shader_path().into(),
    }
}

/// What a record says of a device a server at `url` hosts: what the client can know of it.
pub fn remote_info(url: &str, shader_f16: bool) -> AdapterInfo {
    AdapterInfo {
        name: format!("remote {url}"),
        backend: "Remote".into(),
        device_type: "Remote".into(),
        driver: String::new(),
        driver_info: String::new(),
        shader_f16,
        timestamps: false,
        subgroups: false,
        shader_path: "op IR over websocket → the server's device".into(),
    }
}

/// Wraps one device's outcome with what it was measured on.
pub fn record(adapter: AdapterInfo, config: &SuiteConfig, outcome: SuiteOutcome) -> BenchRecord {
    let now = SystemTime::now();
    BenchRecord {
        schema: SCHEMA_VERSION,
        adapter,
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
    safe_stem(&format!("bench {} {} {}", adapter.index, adapter.name, adapter.backend))
}

/// `text` in lowercase ASCII letters and digits joined by single dashes.
pub fn safe_stem(text: &str) -> String {
    let name: String = text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    name.split('-').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("-")
}

/// The body of a `cargo bench` target: the ceilings and `family` on the first adapter, printed
/// as a Markdown table. `BENCH_QUICK=1` picks the small sizes.
pub fn run_bench_target(family: &str) {
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v != "0");
    let config = if quick { SuiteConfig::quick() } else { SuiteConfig::full() };
    let adapters = burn_neuro::adapters::list_adapters();
    let adapter = adapters.first().expect("no wgpu adapter: install a GPU driver or Mesa's lavapipe");
    let device = adapter.device().expect("a device on the first adapter");
    let outcome = suite::run_family(&device, &config, family, |case| eprintln!("measured {case}")).expect("a family of the suite");
    println!("{}", report::markdown(&record(adapter_info(adapter), &config, outcome)));
}
