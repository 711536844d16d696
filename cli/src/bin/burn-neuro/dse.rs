//! `burn-neuro dse`: dense vs sparse (block-diagonal) mapping across tile sizes and programming
//! noise, on generated digits or MNIST.

use std::path::PathBuf;

use burn_neuro::analog::CrossbarConfig;
use burn_neuro::data::{idx, synthetic};
use burn_neuro_cli::dse::{Exploration, explore, markdown, write_outputs};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(clap::Args)]
pub struct DseArgs {
    /// MNIST folder (IDX files); generated digits when absent.
    #[arg(long)]
    mnist: Option<PathBuf>,
    /// Training images.
    #[arg(long, default_value_t = 3000)]
    train: usize,
    /// Test images.
    #[arg(long, default_value_t = 500)]
    test: usize,
    /// Digital training passes of each network.
    #[arg(long, default_value_t = 4)]
    epochs: usize,
    /// Square tile sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "32,64,128,256")]
    tiles: Vec<usize>,
    /// Programming noise σ in µS (device range 1–40 µS), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0,1,2,4")]
    noise: Vec<f32>,
    /// ADC resolution (bits per tile partial sum).
    #[arg(long, default_value_t = 8)]
    adc_bits: u32,
    /// Programmable conductance levels (0: continuous).
    #[arg(long, default_value_t = 32)]
    levels: u32,
    /// Fraction of devices stuck at g_min and, as much again, at g_max.
    #[arg(long, default_value_t = 0.005)]
    stuck_at: f32,
    /// Device-to-device variation σ (relative).
    #[arg(long, default_value_t = 0.05)]
    variation: f32,
    /// Device seeds per point.
    #[arg(long, default_value_t = 3)]
    seeds: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// As `train --device`: `auto`, `gpu`, an adapter index from `burn-neuro info`, or `cpu`.
    #[arg(long, default_value = "auto")]
    device: String,
    /// Folder for dse.json, dse.md and the PNG plots.
    #[arg(long, default_value = "dse-results")]
    out: PathBuf,
}

pub fn run_command(args: DseArgs) -> Result<(), String> {
    if args.train == 0 || args.test == 0 || args.seeds == 0 {
        return Err("--train, --test and --seeds: at least 1".into());
    }
    if args.tiles.is_empty() || args.tiles.iter().any(|t| !(1..=1024).contains(t)) {
        return Err(format!("--tiles: {:?}; expected sizes from 1 to 1024", args.tiles));
    }
    if args.noise.is_empty() || args.noise.iter().any(|n| !(n.is_finite() && *n >= 0.0)) {
        return Err(format!("--noise: {:?}; expected σ ≥ 0 in µS", args.noise));
    }
    if !(1..=24).contains(&args.adc_bits) {
        return Err(format!("--adc-bits: {}; expected 1 to 24", args.adc_bits));
    }
    let base = CrossbarConfig::rram()
        .with_output_bits(Some(args.adc_bits))
        .with_levels(if args.levels == 0 { None } else { Some(args.levels) })
        .with_stuck_at_min(args.stuck_at)
        .with_stuck_at_max(args.stuck_at)
        .with_device_variation(args.variation);
    base.validate().map_err(|e| e.to_string())?;
    let (train, test) = match &args.mnist {
        Some(dir) => {
            let (train, test) = idx::load_mnist_dir(dir).map_err(|e| format!("--mnist {e}"))?;
            (train.truncated(args.train), test.truncated(args.test))
        }
        None => (synthetic::digits(args.train, args.seed), synthetic::digits(args.test, args.seed + 1)),
    };
    let exploration =
        Exploration { train, test, epochs: args.epochs, tiles: args.tiles.clone(), noises: args.noise.clone(), seeds: args.seeds, base };
    let (device, _) = crate::train::device(&args.device, crate::backend::BackendArg::Auto)?;
    println!(
        "dense vs depthwise-separable CNN on {}: {} tile sizes × {} noise levels × {} seeds",
        if args.mnist.is_some() { "MNIST" } else { "generated digits" },
        args.tiles.len(),
        args.noise.len(),
        args.seeds
    );
    let total = 2 * (args.epochs + args.tiles.len() * args.noise.len());
    let bar = ProgressBar::new(total as u64);
    bar.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}").expect("valid template").progress_chars("=> "));
    bar.set_prefix("dse");
    let outcome = explore(&exploration, &device, &mut |note: &str| {
        bar.set_message(note.to_string());
        bar.inc(1);
    });
    bar.finish_and_clear();
    let report = outcome?;
    write_outputs(&report, &args.out)?;
    let md = markdown(&report);
    // The verdicts and the accuracy table on the terminal; the mapping table is in dse.md.
    if let Some(at) = md.find("## Accuracy") {
        print!("{}", &md[at..]);
    }
    println!("dse.json, dse.md, accuracy_vs_noise.png and accuracy_vs_tile.png in {}", args.out.display());
    Ok(())
}
