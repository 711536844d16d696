//! `burn-neuro reservoir`: a deep reservoir against a single one of the same total size.

use std::path::PathBuf;
use std::time::Instant;

use burn_neuro_cli::reservoir::{NodeKind, ReservoirExperiment, Task, default_inter_scaling, run_experiment};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TaskArg {
    /// NARMA-10: reproduce a nonlinear system with a ten-step memory from its input.
    #[value(name = "narma10")]
    Narma10,
    /// Mackey-Glass (τ = 17): one-step-ahead prediction.
    #[value(name = "mackey-glass")]
    MackeyGlass,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum NodeArg {
    /// Leaky tanh units with random recurrent weights (DeepESN).
    Tanh,
    /// WOx dynamic memristors (default device constants; --leak and --spectral-radius unused).
    Wox,
}

#[derive(clap::Args)]
pub struct ReservoirArgs {
    #[arg(long, value_enum, default_value = "narma10")]
    task: TaskArg,
    /// Layers of the deep reservoir.
    #[arg(long, default_value_t = 4)]
    layers: usize,
    /// Units per layer; the single reservoir gets layers × size.
    #[arg(long, default_value_t = 100)]
    size: usize,
    /// Seeds 0 .. seeds−1, each with its own series and weights.
    #[arg(long, default_value_t = 3)]
    seeds: usize,
    /// Steps per run: 5 % washout, 70 % readout training, 25 % test.
    #[arg(long, default_value_t = 4000)]
    steps: usize,
    /// Leak rate in (0, 1] (1: none). Below 1 each layer is also a low-pass stage, as in the
    /// DeepESN studies (0.55–1), which lets the slower time scales of deeper layers show
    /// (measured on NARMA-10: with 0.9 the spectral centroid falls at every layer, with 1 it
    /// does not).
    #[arg(long, default_value_t = 0.9)]
    leak: f64,
    #[arg(long, default_value_t = 0.9)]
    spectral_radius: f64,
    /// Half-width of the input weights (0.1, DeepESN's Mackey-Glass setting: near-linear
    /// units keep NARMA-10's ten-step memory; ±1 saturates them and the deep stack then loses
    /// to the single reservoir).
    #[arg(long, default_value_t = 0.1)]
    input_scaling: f64,
    /// Half-width of the layer-to-layer weights (default 2/√size: the upper layers' drive
    /// then stays about as large as the first layer's instead of saturating).
    #[arg(long)]
    inter_scaling: Option<f64>,
    /// Ridge penalty λ of the readout.
    #[arg(long, default_value_t = 1e-6)]
    ridge: f64,
    #[arg(long, value_enum, default_value = "tanh")]
    node: NodeArg,
    /// As `train --device`: `auto` (a hardware GPU where wgpu finds one, else the CPU path),
    /// `gpu` (wgpu's default adapter), an adapter index from `burn-neuro info`, or `cpu`.
    #[arg(long, default_value = "auto")]
    device: String,
    /// Folder for reservoir.json, reservoir.md, prediction.png and spectra.png.
    #[arg(long, default_value = "reservoir-results")]
    out: PathBuf,
}

fn experiment(args: &ReservoirArgs) -> ReservoirExperiment {
    ReservoirExperiment {
        task: match args.task {
            TaskArg::Narma10 => Task::Narma10,
            TaskArg::MackeyGlass => Task::MackeyGlass,
        },
        layers: args.layers,
        size: args.size,
        seeds: args.seeds,
        steps: args.steps,
        leak: args.leak,
        spectral_radius: args.spectral_radius,
        input_scaling: args.input_scaling,
        inter_scaling: args.inter_scaling.unwrap_or_else(|| default_inter_scaling(args.size)),
        lambda: args.ridge,
        node: match args.node {
            NodeArg::Tanh => NodeKind::Tanh,
            NodeArg::Wox => NodeKind::Wox,
        },
    }
}

pub fn run_command(args: ReservoirArgs) -> Result<(), String> {
    let exp = experiment(&args);
    // Before the device opens, so a bad flag fails at once.
    exp.check()?;
    let (device, _) = crate::train::device(&args.device, crate::backend::BackendArg::Auto)?;
    let split = exp.split();
    println!(
        "{}: {}×{} deep vs {} single reservoir, {} seed(s), {}/{}/{} washout/train/test steps",
        exp.task.name(),
        exp.layers,
        exp.size,
        exp.layers * exp.size,
        exp.seeds,
        split.washout,
        split.train,
        split.test
    );
    let bar = ProgressBar::new(2 * exp.seeds as u64);
    bar.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}").expect("valid template").progress_chars("=> "));
    bar.set_prefix("reservoirs");
    let start = Instant::now();
    let mut on_run = |note: &str| {
        bar.set_message(note.to_string());
        bar.inc(1);
    };
    let outcome = run_experiment(&exp, &device, &args.out, &mut on_run);
    bar.finish_and_clear();
    let report = outcome?;
    let centroids: Vec<String> = report.layer_centroids.iter().map(|c| format!("{c:.4}")).collect();
    println!(
        "test NRMSE: deep {:.4} ± {:.4}, single {:.4} ± {:.4} (deep lower on {} of {} seed(s)); centroids by layer {} cycles/step (single {:.4}); {:.1} s",
        report.deep_nrmse.mean,
        report.deep_nrmse.sd,
        report.single_nrmse.mean,
        report.single_nrmse.sd,
        report.deep_wins,
        report.per_seed.len(),
        centroids.join(", "),
        report.single_centroid,
        start.elapsed().as_secs_f64()
    );
    println!("reservoir.json, reservoir.md, prediction.png and spectra.png in {}", args.out.display());
    Ok(())
}
