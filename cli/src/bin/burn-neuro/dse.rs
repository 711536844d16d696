//! `burn-neuro dse`: dense vs sparse (block-diagonal) mapping across tile sizes and programming
//! noise, on generated digits or MNIST.

use std::path::PathBuf;

use burn_neuro::analog::CrossbarConfig;
use burn_neuro::data::{cifar, idx, synthetic};
use burn_neuro_cli::dse::{Axis, Exploration, explore, markdown, write_outputs};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(clap::Args)]
pub struct DseArgs {
    /// MNIST folder (IDX files); generated digits when neither this nor --cifar is given.
    #[arg(long, conflicts_with = "cifar")]
    mnist: Option<PathBuf>,
    /// CIFAR-10 folder (`cifar-10-batches-bin`: data_batch_*.bin, test_batch.bin).
    #[arg(long)]
    cifar: Option<PathBuf>,
    /// Training images.
    #[arg(long, default_value_t = 3000)]
    train: usize,
    /// Test images.
    #[arg(long, default_value_t = 500)]
    test: usize,
    /// Digital training passes of each network.
    #[arg(long, default_value_t = 4)]
    epochs: usize,
    /// Tile sizes, comma-separated: `128` (square) or `256x64` (rows × columns).
    #[arg(long, value_delimiter = ',', default_value = "32,64,128,256")]
    tiles: Vec<String>,
    /// The crossbar setting to sweep (the others stay at their flags' values).
    #[arg(long, value_enum, default_value = "noise")]
    vary: Axis,
    /// Its values, comma-separated, in sweep order (default by setting: noise 0,1,2,4 µS;
    /// adc-bits 8,6,4; dac-bits 8,4,2; levels 0,32,8; stuck-at 0,0.01,0.05; variation 0,0.1,0.3; ir-drop
    /// 0,0.5,1).
    #[arg(long, value_delimiter = ',')]
    values: Option<Vec<f32>>,
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
    /// Folder of `dense-cnn.bpk` and `separable-cnn.bpk` from an earlier run (its `--out`):
    /// explore those networks instead of training new ones (same data set).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// The dense CNN's checkpoint (e.g. `train --model dense-cnn`'s `checkpoint/model.bpk`).
    #[arg(long)]
    dense: Option<PathBuf>,
    /// The separable CNN's checkpoint (e.g. `train --model separable-cnn`'s).
    #[arg(long)]
    separable: Option<PathBuf>,
    /// Folder for dse.json, dse.md, the PNG plots and the trained networks' checkpoints.
    #[arg(long, default_value = "dse-results")]
    out: PathBuf,
}

/// `128` → 128×128, `256x64` → 256 rows × 64 columns.
fn parse_tile(text: &str) -> Result<[usize; 2], String> {
    let parts: Vec<&str> = text.trim().split(['x', '×']).collect();
    let numbers: Vec<usize> =
        parts.iter().map(|p| p.trim().parse::<usize>()).collect::<Result<_, _>>().map_err(|_| format!("--tiles: {text:?} is not N or RxC"))?;
    let tile = match numbers[..] {
        [n] => [n, n],
        [r, c] => [r, c],
        _ => return Err(format!("--tiles: {text:?} is not N or RxC")),
    };
    if tile.iter().any(|d| !(1..=1024).contains(d)) {
        return Err(format!("--tiles: {text:?}; rows and columns from 1 to 1024"));
    }
    Ok(tile)
}

pub fn run_command(args: DseArgs) -> Result<(), String> {
    if args.train == 0 || args.test == 0 || args.seeds == 0 {
        return Err("--train, --test and --seeds: at least 1".into());
    }
    let tiles = args.tiles.iter().map(|t| parse_tile(t)).collect::<Result<Vec<_>, _>>()?;
    let axis = args.vary;
    let values = args.values.clone().unwrap_or_else(|| axis.default_values());
    if values.is_empty() || values.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(format!("--values: {values:?}; expected finite values ≥ 0"));
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
    // Every swept value must make a valid crossbar before anything trains.
    for value in &values {
        axis.apply(base.clone(), *value)?;
    }
    let (train, test, data_name) = match (&args.mnist, &args.cifar) {
        (Some(dir), _) => {
            let (train, test) = idx::load_mnist_dir(dir).map_err(|e| format!("--mnist {e}"))?;
            (train.truncated(args.train), test.truncated(args.test), "MNIST")
        }
        (_, Some(dir)) => {
            let (train, test) = cifar::load_dir(dir).map_err(|e| format!("--cifar {e}"))?;
            (train.truncated(args.train), test.truncated(args.test), "CIFAR-10")
        }
        _ => (synthetic::digits(args.train, args.seed), synthetic::digits(args.test, args.seed + 1), "generated digits"),
    };
    let count = (tiles.len(), values.len());
    let exploration = Exploration {
        train,
        test,
        epochs: args.epochs,
        tiles,
        axis,
        values,
        seeds: args.seeds,
        base,
        checkpoints: [
            args.dense.clone().or_else(|| args.checkpoint.as_ref().map(|d| d.join("dense-cnn.bpk"))),
            args.separable.clone().or_else(|| args.checkpoint.as_ref().map(|d| d.join("separable-cnn.bpk"))),
        ],
        save_to: Some(args.out.clone()),
    };
    let (device, _) = crate::train::device(&args.device, crate::backend::BackendArg::Auto)?;
    println!(
        "dense vs depthwise-separable CNN on {}: {} tile sizes × {} values of {} × {} seeds",
        data_name,
        count.0,
        count.1,
        axis.label(),
        args.seeds
    );
    let total = 2 * (args.epochs + count.0 * count.1);
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
    // The accuracy table and the verdicts on the terminal; the mapping table is in dse.md.
    let end = md.find("## Mapping").unwrap_or(md.len());
    if let Some(at) = md.find("## Accuracy") {
        print!("{}", &md[at..end]);
    }
    println!("dse.json, dse.md, accuracy_vs_setting.png, accuracy_vs_tile.png and accuracy_vs_energy.png in {}", args.out.display());
    Ok(())
}
