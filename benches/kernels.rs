//! The benchmark suite on the default adapter: device ceilings, fused LIF (kernels alone and
//! whole autodiff steps) against the same neuron as Burn tensor ops in f32 and f16, and sparse
//! against dense spike propagation across a density sweep with the break-even density.
//!
//! `cargo bench --bench kernels` runs the full sizes (meant for real GPUs);
//! `BENCH_QUICK=1 cargo bench --bench kernels` the small ones (about a minute on lavapipe).
//! `burn-neuro bench` runs the same suite on every adapter and writes JSON and PNG reports.

use burn_neuro::adapters::list_adapters;
use burn_neuro::bench::record;
use burn_neuro::bench::report::markdown;
use burn_neuro::bench::suite::{SuiteConfig, run};

fn main() {
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v != "0");
    let config = if quick { SuiteConfig::quick() } else { SuiteConfig::full() };
    let adapters = list_adapters();
    let adapter = adapters.first().expect("no wgpu adapter: install a GPU driver or Mesa's lavapipe");
    let device = adapter.device().expect("a device on the first adapter");
    let outcome = run(&device, &config, |case| eprintln!("measured {case}"));
    println!("{}", markdown(&record(adapter, &config, outcome)));
}
