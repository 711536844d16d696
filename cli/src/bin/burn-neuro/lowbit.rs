//! `train --model lowbit-cnn`: the QSNN and threshold-annealing recipes, and the flags that
//! override them.

use std::path::Path;

use burn::module::Module;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, SgdConfig};
use burn::tensor::Device;
use burn_neuro::quant::WeightQuant;
use burn_neuro_cli::train::data::Dataset;
use burn_neuro_cli::train::lowbit::{LowBitCsnn, RECIPES, Recipe, RecipeOptimizer, ThresholdMode};
use burn_neuro_cli::train::run::{Optimization, Progress, TrainOutcome, TrainSettings, train_on};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ThresholdArg {
    /// Relax θ₀ → θ_f after every optimizer step (THA).
    Anneal,
    /// Keep θ₀.
    Initial,
    /// Keep θ_f from the start.
    Final,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ScheduleArg {
    /// Periodic cosine annealing stepped every iteration (the recipes').
    Cosine,
    /// The initial learning rate throughout.
    Constant,
}

#[derive(clap::Args)]
pub struct LowBitArgs {
    /// Hyper-parameters of a paper's run for --model lowbit-cnn: qsnn-mnist-q4 (default),
    /// qsnn-mnist-fp32, tha-mnist, tha-fmnist.
    #[arg(long)]
    recipe: Option<String>,
    /// Weight bits, 2 to 8 (per-tensor fake quantization), or 32 for full precision; overrides
    /// the recipe.
    #[arg(long)]
    weight_bits: Option<u32>,
    /// Binarize the weights (sign, straight-through gradient); overrides the recipe.
    #[arg(long)]
    binarize: bool,
    /// Thresholds: anneal θ₀ → θ_f, or keep θ₀ (initial) or θ_f (final); default: the recipe's.
    #[arg(long, value_enum)]
    threshold_anneal: Option<ThresholdArg>,
    /// Learning-rate schedule (default: cosine, as the recipes).
    #[arg(long, value_enum)]
    lr_schedule: Option<ScheduleArg>,
    /// The cosine schedule's T_max in iterations (default: the recipe's).
    #[arg(long)]
    t_max: Option<usize>,
}

impl LowBitArgs {
    /// Whether any of these flags was given.
    pub fn is_set(&self) -> bool {
        self.recipe.is_some()
            || self.weight_bits.is_some()
            || self.binarize
            || self.threshold_anneal.is_some()
            || self.lr_schedule.is_some()
            || self.t_max.is_some()
    }

    /// The recipe with the overrides applied.
    pub fn recipe(&self) -> Result<Recipe, String> {
        let mut recipe = Recipe::named(self.recipe.as_deref().unwrap_or(RECIPES[0]))?;
        match (self.weight_bits, self.binarize) {
            (Some(_), true) => return Err("--weight-bits and --binarize: choose one".into()),
            (Some(32), false) => recipe.weights = WeightQuant::Float,
            (Some(bits), false) => {
                let quant = WeightQuant::Int { bits };
                quant.validate().map_err(|_| format!("--weight-bits {bits}: expected 2 to 8, or 32 for full precision"))?;
                recipe.weights = quant;
            }
            (None, true) => recipe.weights = WeightQuant::Binary,
            (None, false) => {}
        }
        if let Some(mode) = self.threshold_anneal {
            let mode = match mode {
                ThresholdArg::Anneal => ThresholdMode::Anneal,
                ThresholdArg::Initial => ThresholdMode::Initial,
                ThresholdArg::Final => ThresholdMode::Final,
            };
            if mode != ThresholdMode::Initial && recipe.annealing.is_none() {
                return Err(format!("--threshold-anneal: recipe {} has no final thresholds (the tha-* recipes do)", recipe.name));
            }
            recipe.threshold_mode = mode;
        }
        if self.t_max == Some(0) {
            return Err("--t-max must be at least 1".into());
        }
        if self.t_max.is_some() && self.lr_schedule == Some(ScheduleArg::Constant) {
            return Err("--t-max sets the cosine schedule: drop it or --lr-schedule constant".into());
        }
        Ok(recipe)
    }

    /// The cosine schedule's T_max, `None` for a constant rate.
    pub fn cosine_t_max(&self, recipe: &Recipe) -> Option<usize> {
        match self.lr_schedule {
            Some(ScheduleArg::Constant) => None,
            _ => Some(self.t_max.unwrap_or(recipe.t_max)),
        }
    }

    /// What the checkpoint records, to refuse resuming another configuration.
    pub fn run_name(&self) -> Result<String, String> {
        let recipe = self.recipe()?;
        let weights = match recipe.weights {
            WeightQuant::Float => "float".to_string(),
            WeightQuant::Int { bits } => format!("int{bits}"),
            WeightQuant::Binary => "binary".to_string(),
        };
        let thresholds = match recipe.threshold_mode {
            ThresholdMode::Anneal => "tha",
            ThresholdMode::Initial => "theta0",
            ThresholdMode::Final => "theta-final",
        };
        Ok(format!("{}:{weights}:{thresholds}", recipe.name))
    }
}

/// Trains the papers' network with the recipe's optimizer (PyTorch's defaults: Adam ε = 1e-8,
/// SGD momentum without dampening).
#[allow(clippy::too_many_arguments)]
pub fn train_lowbit(
    recipe: &Recipe,
    train_set: &Dataset,
    test_set: &Dataset,
    settings: &TrainSettings,
    devices: &[Device],
    out: &Path,
    resume: bool,
    progress: &mut dyn Progress,
) -> Result<TrainOutcome, String> {
    let device = &devices[0];
    let model = LowBitCsnn::new(recipe, 10, device)?;
    let adam = |_: &LowBitCsnn| AdamConfig::new().with_epsilon(1e-8).init();
    let sgd = |momentum: f64| {
        move |_: &LowBitCsnn| SgdConfig::new().with_momentum(Some(MomentumConfig::new().with_momentum(momentum).with_dampening(0.0))).init()
    };
    let outcome = match recipe.optimizer {
        RecipeOptimizer::Adam => {
            train_on(model, train_set, test_set, settings, devices, out, resume, progress, Optimization { build: &adam, on_chip: None })
        }
        RecipeOptimizer::Sgd { momentum } => {
            let build = sgd(momentum);
            train_on(model, train_set, test_set, settings, devices, out, resume, progress, Optimization { build: &build, on_chip: None })
        }
    }?;
    report_weight_levels(recipe, device, out)?;
    Ok(outcome)
}

/// Counts the distinct forward-weight values of the trained (checkpointed) model, prints them
/// and writes `weight-levels.json`: b-bit layers must hold at most 2^b − 1 values.
fn report_weight_levels(recipe: &Recipe, device: &Device, out: &Path) -> Result<(), String> {
    let path = out.join("checkpoint").join("model.bpk");
    let trained = LowBitCsnn::new(recipe, 10, device)?.try_load_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let levels = trained.weight_levels();
    let limit = recipe.weights.levels();
    let text: Vec<String> = levels.iter().map(|(layer, n)| format!("{layer} {n}")).collect();
    let bound = limit.map_or(String::new(), |l| format!(" (at most {l})"));
    println!("distinct weight values per layer{bound}: {}", text.join(", "));
    let record: serde_json::Map<String, serde_json::Value> = levels.iter().map(|(layer, n)| (layer.to_string(), (*n).into())).collect();
    let json = serde_json::json!({ "weights": recipe.weights, "limit": limit, "distinct_values": record });
    let file = out.join("weight-levels.json");
    std::fs::write(&file, serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?).map_err(|e| format!("{}: {e}", file.display()))
}
