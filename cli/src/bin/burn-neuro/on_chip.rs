//! `train --model lenet --on-chip …`: LeNet-5 trained digitally or on simulated pulsed devices,
//! then programmed onto fresh crossbars to see how much accuracy each loses.

use std::path::Path;

use burn::module::{Module, ParamGroup};
use burn::optim::SgdConfig;
use burn::tensor::Device;
use burn_neuro::analog::config::ProgrammingNoise;
use burn_neuro::analog::{AnalogBackward, CrossbarConfig, OnChipConfig, OnChipScheme, PulsedDevice, UpdateQuantization};
use burn_neuro_cli::train::data::Dataset;
use burn_neuro_cli::train::lenet::{AnalogLeNet, LeNet, programmed_accuracy};
use burn_neuro_cli::train::run::{Optimization, Progress, TrainOutcome, TrainSettings, train};
use serde::Serialize;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scheme {
    /// Digital LeNet-5 (the baseline).
    Off,
    /// Mixed precision: accumulate η·∇W digitally, pulse a device when |χ| ≥ ε.
    MixedPrecision,
    /// Plain analog SGD: round(η·∇W / g) pulses every step (g: the device's granularity).
    Sgd,
    /// The same analog reads forward and backward, but exact digital weight updates: the
    /// bound any device scheme approaches (hardware-aware training).
    IdealUpdate,
}

#[derive(clap::Args)]
pub struct OnChipArgs {
    /// On-chip training of LeNet's weights on pulsed devices (biases stay digital).
    #[arg(long, value_enum, default_value = "off")]
    on_chip: Scheme,
    /// The device model: an aihwkit preset or a model's defaults.
    #[arg(long, default_value = "reram-sb", value_parser = clap::builder::PossibleValuesParser::new(PulsedDevice::PRESETS))]
    device_model: String,
    /// Mixed precision's threshold ε in device units (default: the device's granularity g; a
    /// transfer of n·ε is round(n·ε/g) pulses).
    #[arg(long)]
    granularity: Option<f32>,
    /// At most this many pulses per device and update.
    #[arg(long, default_value_t = 31)]
    max_pulses: u32,
    /// Where each layer's largest initial weight sits in device units (aihwkit
    /// `weight_scaling_omega`): smaller values use fewer of the device's steps, as a
    /// low-precision device would.
    #[arg(long, default_value_t = 1.0)]
    weight_scaling_omega: f32,
    /// Round each input vector of the weight update onto this many levels (aihwkit `n_x_bins`;
    /// 0: exact).
    #[arg(long, default_value_t = 0)]
    n_x_bins: u32,
    /// Round each output error vector of the weight update onto this many levels (aihwkit
    /// `n_d_bins`; 0: exact).
    #[arg(long, default_value_t = 0)]
    n_d_bins: u32,
    /// After training, program the weights onto this many fresh `rram` crossbars (programming
    /// noise, device variation, stuck devices) and report the accuracy each keeps; 0: skip.
    #[arg(long, default_value_t = 3)]
    robustness_seeds: u64,
}

impl OnChipArgs {
    pub fn is_on(&self) -> bool {
        self.on_chip != Scheme::Off
    }

    /// The run's model name, recorded in checkpoints: `lenet`, or `lenet/<scheme>/<device>`.
    pub fn run_name(&self) -> String {
        match self.on_chip {
            Scheme::Off => "lenet".into(),
            Scheme::MixedPrecision => format!("lenet/mixed-precision/{}", self.device_model),
            Scheme::Sgd => format!("lenet/sgd/{}", self.device_model),
            Scheme::IdealUpdate => "lenet/ideal-update".into(),
        }
    }

    fn config(&self, seed: u64) -> Result<OnChipConfig, String> {
        let device = PulsedDevice::preset(&self.device_model).map_err(|e| e.to_string())?;
        let scheme = match self.on_chip {
            Scheme::Sgd => OnChipScheme::AnalogSgd { max_pulses: self.max_pulses },
            _ => OnChipScheme::MixedPrecision { granularity: self.granularity, max_pulses: self.max_pulses },
        };
        Ok(OnChipConfig::new(device).with_scheme(scheme).with_weight_scaling_omega(self.weight_scaling_omega).with_seed(seed))
    }
}

/// The crossbar an on-chip layer reads through: aihwkit's IO (7-bit DAC, 9-bit ADC, output
/// noise) over the devices' weights as they are (the device model already holds their
/// imperfections, so no programming noise on top), mapped as an aihwkit training tile holds
/// them: max|W| at 1, the output rescaled digitally (ω = 1), so the ADC range and the output
/// noise meet weights of the device range rather than a layer's small raw weights.
pub fn training_crossbar() -> CrossbarConfig {
    CrossbarConfig::aihwkit_default().with_programming_noise(ProgrammingNoise::None).with_weight_scaling_omega(1.0)
}

/// Trains LeNet-5 as `args` asks: SGD on every parameter, or the on-chip optimizer on the
/// weights and SGD on the biases.
pub fn train_lenet(
    args: &OnChipArgs,
    train_set: &Dataset,
    test_set: &Dataset,
    settings: &TrainSettings,
    device: &Device,
    out: &Path,
    resume: bool,
    progress: &mut dyn Progress,
) -> Result<TrainOutcome, String> {
    if !args.is_on() && (args.n_x_bins > 0 || args.n_d_bins > 0) {
        return Err("--n-x-bins / --n-d-bins quantize on-chip updates: use them with --on-chip".into());
    }
    let digital = LeNet::new(10, device);
    if !args.is_on() {
        let optimization = Optimization { build: &|_: &LeNet| SgdConfig::new().init(), on_chip: None };
        return train(digital, train_set, test_set, settings, device, out, resume, progress, optimization);
    }
    if args.granularity.is_some() && args.on_chip != Scheme::MixedPrecision {
        return Err("--granularity sets mixed precision's threshold; --on-chip sgd steps by the device's granularity".into());
    }
    let mut model = digital.into_analog(&training_crossbar(), AnalogBackward::Analog)?;
    let quantization = UpdateQuantization { x_bins: args.n_x_bins, d_bins: args.n_d_bins };
    model.conv1 = model.conv1.with_update_quantization(quantization);
    model.conv2 = model.conv2.with_update_quantization(quantization);
    model.fc1 = model.fc1.with_update_quantization(quantization);
    model.fc2 = model.fc2.with_update_quantization(quantization);
    if args.on_chip == Scheme::IdealUpdate {
        let optimization = Optimization { build: &|_: &AnalogLeNet| SgdConfig::new().init(), on_chip: None };
        return train(model, train_set, test_set, settings, device, out, resume, progress, optimization);
    }
    let on_chip = args.config(settings.seed)?.init().map_err(|e| e.to_string())?;
    let group = on_chip.clone();
    let build = move |model: &AnalogLeNet| SgdConfig::new().init().with_group(ParamGroup::from_ids(model.device_weights()), group.clone(), None);
    let optimization = Optimization { build: &build, on_chip: Some(on_chip) };
    train(model, train_set, test_set, settings, device, out, resume, progress, optimization)
}

#[derive(Serialize)]
struct Robustness {
    crossbar: &'static str,
    seeds: Vec<u64>,
    accuracy_per_seed: Vec<f64>,
    mean_accuracy: f64,
    /// The same weights read through an ideal crossbar.
    ideal_read_accuracy: f64,
    mean_loss_points: f64,
}

/// Programs the trained weights (the checkpoint in `out`) onto `rram` crossbars with
/// `args.robustness_seeds` seeds, prints the accuracies and writes `robustness.json`.
pub fn robustness(args: &OnChipArgs, test_set: &Dataset, batch: usize, device: &Device, out: &Path) -> Result<(), String> {
    if args.robustness_seeds == 0 {
        return Ok(());
    }
    let file = out.join("checkpoint").join("model.bpk");
    let crossbar = CrossbarConfig::rram();
    let model = if args.is_on() {
        let skeleton = LeNet::new(10, device).into_analog(&training_crossbar(), AnalogBackward::Ideal)?;
        skeleton.try_load_file(&file).map_err(|e| format!("{}: {e}", file.display()))?
    } else {
        let digital = LeNet::new(10, device).try_load_file(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        digital.into_analog(&crossbar, AnalogBackward::Ideal)?
    };
    let ideal = programmed_accuracy(&model, test_set, &CrossbarConfig::ideal(), 0, batch, device)?;
    let seeds: Vec<u64> = (0..args.robustness_seeds).collect();
    let accuracy_per_seed =
        seeds.iter().map(|&seed| programmed_accuracy(&model, test_set, &crossbar, seed, batch, device)).collect::<Result<Vec<_>, _>>()?;
    let mean_accuracy = accuracy_per_seed.iter().sum::<f64>() / seeds.len() as f64;
    let report = Robustness {
        crossbar: "CrossbarConfig::rram()",
        seeds,
        accuracy_per_seed,
        mean_accuracy,
        ideal_read_accuracy: ideal,
        mean_loss_points: 100.0 * (ideal - mean_accuracy),
    };
    println!(
        "programmed onto {} fresh rram crossbars: test accuracy {:.2}% on average (per seed: {}), {:.2} points below the weights read ideally ({:.2}%)",
        report.seeds.len(),
        100.0 * report.mean_accuracy,
        report.accuracy_per_seed.iter().map(|a| format!("{:.2}%", 100.0 * a)).collect::<Vec<_>>().join(", "),
        report.mean_loss_points,
        100.0 * ideal
    );
    let path = out.join("robustness.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}
