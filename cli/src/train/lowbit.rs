//! The convolutional SNN of the quantized-SNN (QSNN) and threshold-annealing (THA) papers, and
//! their recipes with the repositories' hyper-parameters.
//!
//! 1→16C5 → AvgPool2 → BatchNorm → Leaky → 16→64C5 → AvgPool2 → BatchNorm → Leaky → FC 1024→10
//! → dropout → Leaky, for 28×28 images presented directly (the same image at every step). BN
//! normalizes every step with its own batch statistics, as the papers' per-step loop does;
//! dropout draws a fresh mask per step. Weights are fake-quantized (QSNN), binarized (THA) or
//! float, and THA relaxes each layer's threshold after every optimizer step.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig};
use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;
use burn::tensor::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use super::model::{SpikingClassifier, SpikingOutput, over_time, spike_total};
use burn_neuro::neuron::{SavedState, Surrogate};
use burn_neuro::quant::{QuantConv2d, QuantConv2dConfig, QuantLinear, QuantLinearConfig, ThresholdAnnealing, WeightQuant};
use burn_neuro::snn::{Leaky, LeakyConfig, StepBatchNorm, StepBatchNormConfig};

/// Side of the images the network takes.
pub const SIDE: usize = 28;

/// The optimizer a recipe uses (PyTorch's defaults otherwise: Adam ε = 1e-8, SGD without
/// dampening or Nesterov).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum RecipeOptimizer {
    Adam,
    Sgd { momentum: f64 },
}

/// What a threshold does during training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThresholdMode {
    /// Fixed at θ₀ (the configs' `threshold`).
    Initial,
    /// Relaxed from θ₀ toward θ_f after every optimizer step.
    Anneal,
    /// Fixed at θ_f from the start.
    Final,
}

/// Every hyper-parameter of a run of the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub name: String,
    pub beta: f32,
    /// θ₀ per spiking layer.
    pub thresholds: [f32; 3],
    /// θ_f per layer (θ₀ + the configs' `thr_final` increment) and α; `None` without THA.
    pub annealing: Option<[(f32, f32); 3]>,
    pub threshold_mode: ThresholdMode,
    /// Fast-sigmoid slope k.
    pub slope: f32,
    pub learning_rate: f64,
    pub dropout: f64,
    pub batch_size: usize,
    /// Cosine period: the LR falls to 0 at `t_max` iterations and is back at η₀ at 2·`t_max`.
    pub t_max: usize,
    pub weights: WeightQuant,
    /// The FC layer keeps a bias (the convolutions never have one).
    pub fc_bias: bool,
    pub batch_norm: bool,
    pub optimizer: RecipeOptimizer,
    /// `clip_grad_norm_(1.0)` over all parameters.
    pub grad_clip: bool,
    /// Every parameter clamped to [−1, 1] before each step.
    pub weight_clip: bool,
    /// Time steps in the papers (T = 100).
    pub steps: usize,
}

/// The named recipes: `qsnn-*` from jeshraghian/QSNNs (`run.py` at HEAD for Q4, the first
/// commit's `conf.py` for FP32), `tha-*` from jeshraghian/snn-tha's `conf.py` and `run.py`.
pub const RECIPES: [&str; 4] = ["qsnn-mnist-q4", "qsnn-mnist-fp32", "tha-mnist", "tha-fmnist"];

impl Recipe {
    pub fn named(name: &str) -> Result<Recipe, String> {
        let base = |beta, threshold, slope, learning_rate, dropout| Recipe {
            name: name.to_string(),
            beta,
            thresholds: [threshold; 3],
            annealing: None,
            threshold_mode: ThresholdMode::Initial,
            slope,
            learning_rate,
            dropout,
            batch_size: 128,
            t_max: 4690,
            weights: WeightQuant::Int { bits: 4 },
            fc_bias: false,
            batch_norm: true,
            optimizer: RecipeOptimizer::Adam,
            grad_clip: false,
            weight_clip: false,
            steps: 100,
        };
        // θ_f = θ₀ + increment (snn-tha's run.py adds the two).
        let tha = |thresholds: [f32; 3], alphas: [f32; 3], increments: [f32; 3]| [0, 1, 2].map(|l| (thresholds[l] + increments[l], alphas[l]));
        Ok(match name {
            "qsnn-mnist-q4" => base(0.994, 2.915, 13.84, 5.4e-3, 0.003168),
            "qsnn-mnist-fp32" => {
                Recipe { weights: WeightQuant::Float, fc_bias: true, grad_clip: true, weight_clip: true, ..base(0.921, 2.04, 6.03, 1.9e-3, 0.094) }
            }
            "tha-mnist" => {
                let thresholds = [11.666, 14.105, 0.6656];
                Recipe {
                    thresholds,
                    annealing: Some(tha(thresholds, [0.024, 0.119, 0.0011], [4.317, 16.29, 3.496])),
                    threshold_mode: ThresholdMode::Anneal,
                    t_max: 4688,
                    weights: WeightQuant::Binary,
                    fc_bias: true,
                    ..base(0.99, 0.0, 10.22, 9.97e-3, 0.02856)
                }
            }
            "tha-fmnist" => {
                let thresholds = [6.9, 10.25, 17.95];
                Recipe {
                    thresholds,
                    annealing: Some(tha(thresholds, [0.0368, 0.29687, 0.1048], [7.1456, 12.826, 9.936668])),
                    threshold_mode: ThresholdMode::Anneal,
                    t_max: 4688,
                    weights: WeightQuant::Binary,
                    fc_bias: true,
                    optimizer: RecipeOptimizer::Sgd { momentum: 0.855 },
                    ..base(0.868, 0.0, 0.1557, 8.4e-4, 0.648)
                }
            }
            other => return Err(format!("--recipe {other}: unknown (known: {})", RECIPES.join(", "))),
        })
    }

    /// The threshold each layer starts from, and its annealing (if it anneals).
    fn layer_thresholds(&self) -> Result<[(f32, Option<ThresholdAnnealing>); 3], String> {
        let mut layers = [(0.0, None); 3];
        for (l, layer) in layers.iter_mut().enumerate() {
            *layer = match (self.threshold_mode, self.annealing) {
                (ThresholdMode::Anneal, Some(a)) => {
                    (self.thresholds[l], Some(ThresholdAnnealing::new(a[l].1, a[l].0).map_err(|e| format!("layer {}: {e}", l + 1))?))
                }
                (ThresholdMode::Final, Some(a)) => (a[l].0, None),
                _ => (self.thresholds[l], None),
            };
        }
        Ok(layers)
    }
}

/// The papers' network. See the module documentation.
#[derive(Module, Debug)]
pub struct LowBitCsnn {
    pub conv1: QuantConv2d,
    pub bn1: Option<StepBatchNorm>,
    pub lif1: Leaky,
    pub conv2: QuantConv2d,
    pub bn2: Option<StepBatchNorm>,
    pub lif2: Leaky,
    pub fc: QuantLinear,
    pub dropout: Dropout,
    pub lif3: Leaky,
    /// Per-layer threshold annealing (not saved: the recipe rebuilds it).
    #[module(skip)]
    pub annealing: [Option<ThresholdAnnealing>; 3],
}

impl LowBitCsnn {
    pub fn new(recipe: &Recipe, classes: usize, device: &Device) -> Result<Self, String> {
        let err = |e: burn_neuro::NeuroError| e.to_string();
        let conv = |channels| QuantConv2dConfig::new(channels, [5, 5]).with_bias(false).with_quant(recipe.weights).init(device).map_err(err);
        let norm = |c| -> Result<Option<StepBatchNorm>, String> {
            if recipe.batch_norm { StepBatchNormConfig::new(c).init(device).map(Some).map_err(err) } else { Ok(None) }
        };
        let thresholds = recipe.layer_thresholds()?;
        let surrogate = Surrogate::FastSigmoid { slope: recipe.slope };
        let lif = |l: usize| LeakyConfig::new(recipe.beta).with_threshold(thresholds[l].0).with_surrogate(surrogate).init(device).map_err(err);
        Ok(LowBitCsnn {
            conv1: conv([1, 16])?,
            bn1: norm(16)?,
            lif1: lif(0)?,
            conv2: conv([16, 64])?,
            bn2: norm(64)?,
            lif2: lif(1)?,
            fc: QuantLinearConfig::new(64 * 4 * 4, classes).with_bias(recipe.fc_bias).with_quant(recipe.weights).init(device).map_err(err)?,
            dropout: DropoutConfig::new(recipe.dropout).init(),
            lif3: lif(2)?,
            annealing: thresholds.map(|t| t.1),
        })
    }

    fn leaky_layers(&self) -> [&Leaky; 3] {
        [&self.lif1, &self.lif2, &self.lif3]
    }
}

impl SpikingClassifier for LowBitCsnn {
    fn forward(&self, images: Tensor<2>, steps: usize, dtype: DType) -> SpikingOutput {
        let [batch, _] = images.dims();
        let pool = || AvgPoolOptions::new([2, 2]);
        let x = images.cast(dtype).reshape([batch, 1, SIDE, SIDE]);
        // The input is the same at every step: so are conv1, the pool and BN1's statistics.
        let c1 = avg_pool2d(self.conv1.forward(x), pool()); // [B, 16, 12, 12]
        let c1 = match &self.bn1 {
            Some(bn) => bn.forward_repeated(c1, steps),
            None => c1,
        };
        let s1 = self.lif1.forward(over_time::<4, 5>(c1, steps), None).spikes;
        let s1_total = spike_total(&s1);
        let c2 = avg_pool2d(self.conv2.forward(s1.reshape([steps * batch, 16, 12, 12])), pool()); // [T·B, 64, 4, 4]
        let c2 = c2.reshape([steps, batch, 64, 4, 4]);
        let c2 = match &self.bn2 {
            Some(bn) => bn.forward(c2),
            None => c2,
        };
        let s2 = self.lif2.forward(c2, None).spikes;
        let s2_total = spike_total(&s2);
        let current = self.dropout.forward(self.fc.forward(s2.reshape([steps * batch, 64 * 4 * 4])));
        let classes = current.dims()[1];
        let out = self.lif3.forward(current.reshape([steps, batch, classes]), None);
        let layer_spikes = [s1_total, s2_total, spike_total(&out.spikes)].into_iter().flatten().collect();
        SpikingOutput { spikes: out.spikes, membrane: out.membrane, layer_spikes }
    }

    fn with_saved_state(mut self, saved_state: SavedState) -> Self {
        for layer in [&mut self.lif1, &mut self.lif2, &mut self.lif3] {
            layer.spec.saved_state = saved_state;
        }
        self
    }

    fn after_step(mut self) -> Self {
        let [a1, a2, a3] = self.annealing;
        if let Some(a) = a1 {
            self.lif1 = a.step(self.lif1);
        }
        if let Some(a) = a2 {
            self.lif2 = a.step(self.lif2);
        }
        if let Some(a) = a3 {
            self.lif3 = a.step(self.lif3);
        }
        self
    }

    fn spiking_layers(&self) -> Vec<(&'static str, usize)> {
        vec![("lif1", 16 * 12 * 12), ("lif2", 64 * 4 * 4), ("lif3", self.fc.weight.dims()[1])]
    }

    fn thresholds(&self) -> Vec<f32> {
        self.leaky_layers().iter().map(|l| first_value(l.threshold.val())).collect()
    }
}

impl LowBitCsnn {
    /// Distinct values of each layer's forward weight (−0 counted as 0): at most 2^b − 1 for
    /// b-bit weights, 2 for binarized ones. Reads the weights to the host.
    pub fn weight_levels(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("conv1", distinct(self.conv1.quantized_weight())),
            ("conv2", distinct(self.conv2.quantized_weight())),
            ("fc", distinct(self.fc.quantized_weight())),
        ]
    }
}

fn distinct<const D: usize>(weight: Tensor<D>) -> usize {
    let mut bits: Vec<u32> = weight.into_data().iter::<f32>().map(|v| (v + 0.0).to_bits()).collect();
    bits.sort_unstable();
    bits.dedup();
    bits.len()
}

fn first_value(t: Tensor<1>) -> f32 {
    t.into_data().iter::<f32>().next().unwrap_or(f32::NAN)
}
