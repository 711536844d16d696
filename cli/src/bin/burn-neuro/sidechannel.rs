//! `burn-neuro sidechannel`: the power side-channel study on generated digits, phantoms or MNIST.

use std::path::PathBuf;

use burn_neuro::analog::CrossbarConfig;
use burn_neuro::analog::sidechannel::{Countermeasure, PowerEncoding, TrainSettings};
use burn_neuro::data::{idx, synthetic};
use burn_neuro_cli::sidechannel::{Study, run_study, write_outputs};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum DataArg {
    /// Generated handwritten-style digits (28×28).
    Digits,
    /// Generated smooth "phantoms": Gaussian blobs on an oval, as an MRI slice (32×32).
    Phantoms,
    /// MNIST from `--mnist DIR` (IDX files).
    Mnist,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum EncodingArg {
    Amplitude,
    PulseWidth,
}

#[derive(clap::Args)]
pub struct SidechannelArgs {
    #[arg(long, value_enum, default_value = "digits")]
    data: DataArg,
    /// MNIST folder (train-images-idx3-ubyte etc.) for `--data mnist`.
    #[arg(long)]
    mnist: Option<PathBuf>,
    /// Images the attacker's generator trains on.
    #[arg(long, default_value_t = 1000)]
    train: usize,
    /// Held-out images the attack is scored on.
    #[arg(long, default_value_t = 200)]
    test: usize,
    #[arg(long, value_enum, default_value = "amplitude")]
    encoding: EncodingArg,
    /// Measurement noise levels ρ (σ = ρ·max power), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0,0.1,0.2,0.3")]
    noise: Vec<f32>,
    /// Countermeasures compared with none: `permute`, `dummy` (8 dummy rows), `constant`.
    #[arg(long, value_delimiter = ',', default_value = "permute,dummy,constant")]
    countermeasures: Vec<String>,
    /// Victim convolution: output channels.
    #[arg(long, default_value_t = 8)]
    channels: usize,
    /// Victim convolution: kernel size.
    #[arg(long, default_value_t = 3)]
    kernel: usize,
    /// Victim convolution: stride.
    #[arg(long, default_value_t = 1)]
    stride: usize,
    /// Crossbar non-idealities: `rram` (programming noise, variation, stuck devices, 32 levels)
    /// or `ideal`.
    #[arg(long, default_value = "rram")]
    crossbar: String,
    /// Generator training passes.
    #[arg(long, default_value_t = 6)]
    epochs: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// As `train --device`: `auto`, `gpu`, an adapter index from `burn-neuro info`, or `cpu`.
    #[arg(long, default_value = "auto")]
    device: String,
    /// Folder for sidechannel.json, sidechannel.md and reconstructions.png.
    #[arg(long, default_value = "sidechannel-results")]
    out: PathBuf,
}

fn countermeasure(name: &str) -> Result<Countermeasure, String> {
    match name.trim() {
        "permute" => Ok(Countermeasure::RowPermutation),
        "dummy" => Ok(Countermeasure::DummyRows { rows: 8 }),
        "constant" => Ok(Countermeasure::ConstantPower),
        "none" | "" => Ok(Countermeasure::None),
        other => Err(format!("--countermeasures: unknown {other:?}; expected permute, dummy or constant")),
    }
}

pub fn run_command(args: SidechannelArgs) -> Result<(), String> {
    if args.train == 0 || args.test == 0 {
        return Err("--train and --test: at least one image each".into());
    }
    if let Some(bad) = args.noise.iter().find(|r| !(r.is_finite() && **r >= 0.0)) {
        return Err(format!("--noise: {bad}; expected ρ ≥ 0"));
    }
    if args.kernel == 0 || args.stride == 0 || args.channels == 0 {
        return Err("--channels, --kernel and --stride: at least 1".into());
    }
    let mut countermeasures = vec![Countermeasure::None];
    for name in &args.countermeasures {
        let c = countermeasure(name)?;
        if !countermeasures.contains(&c) {
            countermeasures.push(c);
        }
    }
    let crossbar = match args.crossbar.as_str() {
        "rram" => CrossbarConfig::rram(),
        "ideal" => CrossbarConfig::ideal(),
        other => return Err(format!("--crossbar: {other:?}; expected rram or ideal")),
    };
    let total = args.train + args.test;
    let (all, name) = match args.data {
        DataArg::Digits => (synthetic::digits(total, args.seed), "generated digits".to_string()),
        DataArg::Phantoms => (synthetic::phantoms(total, 32, args.seed), "generated phantoms".to_string()),
        DataArg::Mnist => {
            let dir = args.mnist.as_ref().ok_or("--data mnist needs --mnist DIR (the IDX files)")?;
            let (train, _) = idx::load_mnist_dir(dir).map_err(|e| format!("--mnist {e}"))?;
            if train.len() < total {
                return Err(format!("--mnist: {} images, fewer than --train + --test = {total}", train.len()));
            }
            (train, format!("MNIST ({})", dir.display()))
        }
    };
    let pixels = all.rows * all.cols;
    let split = |range: std::ops::Range<usize>| {
        let mut d = all.clone();
        d.images = all.images[range.start * pixels..range.end * pixels].to_vec();
        d.labels = all.labels[range.clone()].to_vec();
        d
    };
    let study = Study {
        train: split(0..args.train),
        test: split(args.train..total),
        data_name: name,
        encoding: match args.encoding {
            EncodingArg::Amplitude => PowerEncoding::Amplitude,
            EncodingArg::PulseWidth => PowerEncoding::PulseWidth,
        },
        noises: args.noise.clone(),
        countermeasures,
        victim: [args.channels, args.kernel, args.stride],
        crossbar,
        training: TrainSettings { epochs: args.epochs, ..TrainSettings::default() },
        seed: args.seed,
    };
    let (device, _) = crate::train::device(&args.device, crate::backend::BackendArg::Auto)?;
    println!(
        "power side channel on {}: {} train / {} test images, {} × {} points",
        study.data_name,
        args.train,
        args.test,
        study.countermeasures.len(),
        study.noises.len()
    );
    let bar = ProgressBar::new((study.countermeasures.len() * study.noises.len()) as u64);
    bar.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}").expect("valid template").progress_chars("=> "));
    bar.set_prefix("attacks");
    let outcome = run_study(&study, &device, &mut |note: &str| {
        bar.set_message(note.to_string());
        bar.inc(1);
    });
    bar.finish_and_clear();
    let (report, examples) = outcome?;
    write_outputs(&report, &examples, [study.test.rows, study.test.cols], &args.out)?;
    print!("{}", burn_neuro_cli::sidechannel::markdown(&report));
    println!("sidechannel.json, sidechannel.md and reconstructions.png in {}", args.out.display());
    Ok(())
}
