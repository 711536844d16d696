//! `burn-neuro bench`: benchmark our kernels on every adapter (or the ones named), and
//! `burn-neuro bench compare OLD NEW`.

use std::path::{Path, PathBuf};

use burn_neuro::adapters::{AdapterReport, list_adapters};
use burn_neuro_cli::bench::compare::{compare, platforms, platforms_chart, table};
use burn_neuro_cli::bench::parallel::{self, ParallelConfig};
use burn_neuro_cli::bench::record::{AdapterInfo, BenchRecord};
use burn_neuro_cli::bench::suite::{SuiteConfig, run};
use burn_neuro_cli::bench::{adapter_info, file_stem, record, remote_info, report, safe_stem};
use indicatif::{ProgressBar, ProgressStyle};

use crate::backend::BackendArg;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    action: Option<BenchAction>,
    /// Small sizes: about 50 s on a software adapter with 2 cores (default: sizes for real GPUs).
    #[arg(long)]
    quick: bool,
    /// Adapter to benchmark, by its index in `burn-neuro info` (repeatable; default: all).
    #[arg(long = "adapter")]
    adapters: Vec<usize>,
    /// Only the adapters of this graphics API (default: every API).
    #[arg(long, value_enum, default_value = "auto")]
    backend: BackendArg,
    /// Folder for the JSON records and PNG charts.
    #[arg(long, default_value = "bench-results")]
    out: PathBuf,
    /// Samples per case (at least 15).
    #[arg(long, default_value_t = 15)]
    samples: usize,
    /// Benchmark a device another machine serves instead of this machine's adapters
    /// (`remote:ws://HOST:PORT`, `burn-neuro serve` there; build with `--features remote`):
    /// every time then includes the round trips to the server.
    #[arg(long, conflicts_with = "adapters")]
    device: Option<String>,
}

/// One device the suite runs on, and how its record describes it.
struct Target {
    /// Opens the device (adapters are opened one at a time, as their turn comes).
    open: Box<dyn Fn() -> Result<burn::tensor::Device, String>>,
    info: AdapterInfo,
    /// Progress-bar prefix and error label.
    label: String,
    stem: String,
}

#[derive(clap::Subcommand)]
enum BenchAction {
    /// Two records of one adapter: per-result ratio, exit 1 when a result regressed. Records of
    /// different adapters or APIs (or more than two): one table and chart of every case's time
    /// and % of each adapter's own copy peak, side by side.
    Compare {
        /// OLD.json NEW.json, or records of several adapters.
        #[arg(num_args = 2.., required = true)]
        records: Vec<PathBuf>,
        /// Slowdown (new/old median) above which a result is a regression.
        #[arg(long, default_value_t = 1.10)]
        threshold: f64,
        /// Folder for the side-by-side chart of a comparison across adapters.
        #[arg(long, default_value = "bench-results")]
        out: PathBuf,
    },
    /// snnTorch tutorial 5's training step on the first of --devices alone, then split
    /// data-parallel across all of them: step times and the speed-up (JSON and a Markdown table).
    Parallel {
        /// Two or more devices, comma-separated, as `train --devices` takes them (adapter
        /// indices, gpu, cpu, remote:ws://HOST:PORT).
        #[arg(long, value_delimiter = ',', num_args = 1.., required = true)]
        devices: Vec<String>,
        /// Smaller step (784-256-10, batch 64, T = 10) for software adapters.
        #[arg(long)]
        quick: bool,
        /// Timed steps per configuration, after two warm-up steps.
        #[arg(long, default_value_t = 15)]
        samples: usize,
        /// Folder for `bench-parallel.json`.
        #[arg(long, default_value = "bench-results")]
        out: PathBuf,
    },
}

pub fn run_command(args: BenchArgs) -> Result<(), String> {
    if let Some(BenchAction::Parallel { devices, quick, samples, out }) = args.action {
        return run_parallel(&devices, quick, samples, &out);
    }
    if let Some(BenchAction::Compare { records, threshold, out }) = args.action {
        let loaded = records.iter().map(|path| read_record(path)).collect::<Result<Vec<_>, _>>()?;
        let same_adapter = |a: &BenchRecord, b: &BenchRecord| a.adapter.name == b.adapter.name && a.adapter.backend == b.adapter.backend;
        return match loaded.as_slice() {
            [old, new] if same_adapter(old, new) => run_compare(&records[0], old, new, threshold),
            _ => run_platforms(&loaded, &out),
        };
    }
    if args.samples < 15 {
        return Err(format!("--samples {}: at least 15 samples are needed for stable percentiles", args.samples));
    }
    let targets = targets(&args)?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("--out {}: {e}", args.out.display()))?;
    let mut config = if args.quick { SuiteConfig::quick() } else { SuiteConfig::full() };
    config.samples = args.samples;

    let mut failures = Vec::new();
    for target in targets {
        let device = match (target.open)() {
            Ok(device) => device,
            Err(e) => {
                eprintln!("skipping {}: {e}", target.label);
                failures.push(target.label);
                continue;
            }
        };
        let bar = ProgressBar::new(config.case_count(target.info.shader_f16) as u64);
        bar.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}").expect("valid template").progress_chars("=> "));
        bar.set_prefix(target.label.clone());
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(&device, &config, |case| {
                bar.set_message(case.to_string());
                bar.inc(1);
            })
        }));
        bar.finish_and_clear();
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(_) => {
                eprintln!("{} failed during the benchmark; see the message above", target.label);
                failures.push(target.label);
                continue;
            }
        };
        let record = record(target.info, &config, outcome);
        let json = args.out.join(format!("{}.json", target.stem));
        let text = serde_json::to_string_pretty(&record).map_err(|e| e.to_string())?;
        std::fs::write(&json, text).map_err(|e| format!("writing {}: {e}", json.display()))?;
        let charts = report::charts(&record, &args.out, &target.stem)?;
        println!("{}", report::markdown(&record));
        println!("Wrote {} and {}.\n", json.display(), charts.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    if failures.is_empty() { Ok(()) } else { Err(format!("benchmark failed on {}", failures.join(", "))) }
}

/// What `--device`, `--adapter` and `--backend` pick: a remote device, the named adapters, or
/// every adapter of the API.
fn targets(args: &BenchArgs) -> Result<Vec<Target>, String> {
    if let Some(spec) = &args.device {
        let Some(url) = spec.strip_prefix("remote:") else {
            return Err(format!("--device {spec}: the suite runs on this machine's adapters (--adapter N) or on remote:ws://HOST:PORT"));
        };
        let (device, _) = crate::train::device(spec, args.backend)?;
        let info = remote_info(url, device.supports_dtype(burn::tensor::DType::F16));
        let stem = safe_stem(&format!("bench {} remote", url.trim_start_matches("ws://").trim_start_matches("wss://")));
        return Ok(vec![Target { open: Box::new(move || Ok(device.clone())), info, label: format!("remote {url}"), stem }]);
    }
    let all = list_adapters();
    if all.is_empty() {
        return Err("wgpu found no adapter (install a GPU driver, or Mesa's mesa-vulkan-drivers)".into());
    }
    let chosen: Vec<&AdapterReport> = if args.adapters.is_empty() {
        let chosen: Vec<&AdapterReport> = all.iter().filter(|a| args.backend.admits(a)).collect();
        if chosen.is_empty() {
            return Err(format!("--backend {:?}: no adapter of that API (see `burn-neuro info`)", args.backend).to_lowercase());
        }
        chosen
    } else {
        args.adapters
            .iter()
            .map(|&i| all.get(i).ok_or_else(|| format!("--adapter {i}: no such adapter (valid: 0..={})", all.len() - 1)))
            .collect::<Result<_, _>>()?
    };
    Ok(chosen
        .into_iter()
        .map(|adapter| {
            let opened = adapter.clone();
            Target {
                open: Box::new(move || opened.device()),
                info: adapter_info(adapter),
                label: format!("adapter #{} ({})", adapter.index, adapter.name),
                stem: file_stem(adapter),
            }
        })
        .collect())
}

/// `bench parallel`: one device against several on the same training step.
fn run_parallel(specs: &[String], quick: bool, samples: usize, out: &Path) -> Result<(), String> {
    if samples < 5 {
        return Err(format!("--samples {samples}: at least 5 timed steps are needed for a stable median"));
    }
    let devices = specs
        .iter()
        .map(|spec| crate::train::device(spec, BackendArg::Auto).map(|(device, _)| device).map_err(|e| crate::train::in_device_list(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    let adapters = list_adapters();
    let labels: Vec<String> = specs
        .iter()
        .map(|spec| match spec.parse::<usize>().ok().and_then(|i| adapters.get(i)) {
            Some(adapter) => format!("#{spec} {} ({})", adapter.name, adapter.backend),
            None => spec.clone(),
        })
        .collect();
    let config = if quick { ParallelConfig::quick(samples) } else { ParallelConfig::full(samples) };
    let bar = ProgressBar::new((2 * (samples + 2)) as u64);
    bar.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}").expect("valid template").progress_chars("=> "));
    bar.set_prefix("data-parallel step");
    let record = parallel::measure(&devices, &labels, &config, |message| {
        bar.set_message(message.to_string());
        bar.inc(1);
    });
    bar.finish_and_clear();
    let record = record?;
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let json = out.join("bench-parallel.json");
    std::fs::write(&json, serde_json::to_string_pretty(&record).map_err(|e| e.to_string())?)
        .map_err(|e| format!("writing {}: {e}", json.display()))?;
    println!("{}", parallel::markdown(&record));
    println!("Wrote {}.", json.display());
    Ok(())
}

fn read_record(path: &Path) -> Result<BenchRecord, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not a burn-neuro bench record ({e})", path.display()))
}

/// Records of several adapters side by side: a Markdown table and a chart of % of own peak.
fn run_platforms(records: &[BenchRecord], out: &Path) -> Result<(), String> {
    println!("{}", platforms(records));
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let chart = out.join("bench-platforms.png");
    platforms_chart(records, &chart)?;
    println!("Wrote {}.", chart.display());
    Ok(())
}

fn run_compare(old: &Path, old_record: &BenchRecord, new_record: &BenchRecord, threshold: f64) -> Result<(), String> {
    if !(threshold > 1.0) {
        return Err(format!("--threshold {threshold}: must be above 1 (e.g. 1.10 for 10% slower)"));
    }
    let (changes, unmatched) = compare(old_record, new_record, threshold);
    println!("{}", table(&changes));
    for key in &unmatched {
        println!("new result without a match in {}: {key}", old.display());
    }
    let regressions = changes.iter().filter(|c| c.regression).count();
    if regressions > 0 {
        Err(format!("{regressions} result(s) regressed by more than {:.0}%", (threshold - 1.0) * 100.0))
    } else {
        println!("No regressions ({} results compared).", changes.len());
        Ok(())
    }
}
