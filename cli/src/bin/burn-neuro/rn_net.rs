//! `burn-neuro train --model rn-net`: RN-Net and the summed-frame baseline on the same event
//! data, with both confusion matrices.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use burn_neuro_cli::chart::confusion_matrix;
use burn_neuro_cli::train::event_data::{self, EventData};
use burn_neuro_cli::train::events::{EventRun, EventSettings, train_events};
use burn_neuro_cli::train::rn_net::{RnNet, SummedFrameCnn};
use serde::Serialize;

use crate::train::Bar;

/// The settings `train` passes on.
pub struct RnNetArgs {
    pub data: Option<PathBuf>,
    pub epochs: usize,
    pub seed: u64,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// Time bins per sample (`--steps`).
    pub bins: usize,
    pub train_size: Option<usize>,
    pub test_size: Option<usize>,
    pub out: PathBuf,
}

/// Samples R_in's conductances this many times per example, at the end of each quarter of the
/// bins.
const SAMPLES: usize = 4;

#[derive(Serialize)]
struct Record<'a> {
    data: &'a str,
    classes: &'a [String],
    settings: &'a EventSettings,
    samples: usize,
    runs: &'a [EventRun],
}

pub fn run(args: &RnNetArgs, device: Device) -> Result<(), String> {
    if args.bins < SAMPLES {
        return Err(format!("--steps {}: --model rn-net needs at least {SAMPLES} time bins (it samples R_in {SAMPLES} times)", args.bins));
    }
    // R_in's conductances for a batch, [T, K = 2, B·2·H·W] f32, are one kernel binding.
    let size = if args.data.is_some() { event_data::DVS_SIZE } else { event_data::GENERATED_SIZE } as u64;
    let bytes = args.bins as u64 * 2 * args.batch_size as u64 * 2 * size * size * 4;
    if let Some(limit) = burn_neuro::device::max_binding_bytes(&device).filter(|limit| bytes > *limit) {
        let most = limit / (args.bins as u64 * 2 * 2 * size * size * 4);
        return Err(format!(
            "--batch-size {}: R_in's conductances for a batch take {bytes} bytes, over this adapter's {limit}-byte binding limit; use --batch-size {most} or fewer, or fewer --steps",
            args.batch_size
        ));
    }
    let data = match &args.data {
        Some(dir) => event_data::dvs_gesture(dir, args.train_size, args.test_size)?,
        None => event_data::generated(args.train_size, args.test_size, args.seed),
    };
    if data.train.is_empty() || data.test.is_empty() {
        return Err("the training and test sets must not be empty".into());
    }
    let settings = EventSettings {
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.learning_rate,
        seed: args.seed,
        bins: args.bins,
        window_us: data.window_us,
    };
    let classes = data.train.classes.len();
    println!(
        "training on {} ({} train / {} test event streams, {} classes, {}×{} pixels, {} bins over {} ms)",
        data.source,
        data.train.len(),
        data.test.len(),
        classes,
        data.size,
        data.size,
        args.bins,
        data.window_us / 1000
    );
    std::fs::create_dir_all(&args.out).map_err(|e| format!("--out {}: {e}", args.out.display()))?;
    // Same seed, same initial weights for the shared layers' shapes.
    device.seed(args.seed);
    let rn_net = RnNet::new(data.size, classes, SAMPLES, &device);
    let rn_run = train_one("rn-net", rn_net, &data, &settings, &device)?;
    device.seed(args.seed);
    let baseline = SummedFrameCnn::new(data.size, classes, &device);
    let base_run = train_one("summed-frame cnn", baseline, &data, &settings, &device)?;
    let runs = [rn_run, base_run];
    write_report(&args.out, &data, &settings, &runs)?;
    println!(
        "test accuracy: rn-net {:.2}%, summed-frame cnn {:.2}% (same conv blocks, no reservoir); confusion matrices and metrics in {}",
        100.0 * runs[0].test_accuracy,
        100.0 * runs[1].test_accuracy,
        args.out.display()
    );
    Ok(())
}

fn train_one<M: burn_neuro_cli::train::rn_net::EventClassifier>(
    name: &str,
    model: M,
    data: &EventData,
    settings: &EventSettings,
    device: &Device,
) -> Result<EventRun, String> {
    println!("{name}:");
    let mut progress = Bar::new(settings.epochs);
    let run = train_events(name, model, &data.train, &data.test, settings, device, &mut progress);
    progress.bar.finish_and_clear();
    run
}

/// `rn-net.json`, `rn-net.md` and one confusion-matrix PNG per model.
fn write_report(out: &Path, data: &EventData, settings: &EventSettings, runs: &[EventRun]) -> Result<(), String> {
    let classes = &data.train.classes;
    let record = Record { data: &data.source, classes, settings, samples: SAMPLES, runs };
    let json = serde_json::to_string_pretty(&record).map_err(|e| format!("encoding the record: {e}"))?;
    let write = |name: &str, text: &str| std::fs::write(out.join(name), text).map_err(|e| format!("{}: {e}", out.join(name).display()));
    write("rn-net.json", &json)?;
    let mut md = String::new();
    let _ =
        writeln!(md, "# RN-Net vs the same CNN on summed frames\n\nData: {} ({} train / {} test).\n", data.source, data.train.len(), data.test.len());
    let _ = writeln!(md, "| model | parameters | test accuracy | epochs | seconds |\n|---|---|---|---|---|");
    for run in runs {
        let seconds: f64 = run.epochs.iter().map(|e| e.seconds).sum();
        let _ = writeln!(md, "| {} | {} | {:.2}% | {} | {:.1} |", run.model, run.parameters, 100.0 * run.test_accuracy, run.epochs.len(), seconds);
    }
    for run in runs {
        let _ = writeln!(md, "\n## {}: confusion matrix (rows: true class, columns: predicted)\n", run.model);
        let header: Vec<String> = (0..classes.len()).map(|c| c.to_string()).collect();
        let _ = writeln!(md, "| true \\ predicted | {} |\n|---|{}", header.join(" | "), "---|".repeat(classes.len()));
        for (c, row) in run.confusion.iter().enumerate() {
            let cells: Vec<String> = row.iter().map(usize::to_string).collect();
            let _ = writeln!(md, "| {c} {} | {} |", classes[c], cells.join(" | "));
        }
        let file = format!("confusion-{}.png", run.model.replace(' ', "-"));
        confusion_matrix(&out.join(&file), &format!("{}: {:.1}% on the test set", run.model, 100.0 * run.test_accuracy), classes, &run.confusion)?;
    }
    write("rn-net.md", &md)
}
