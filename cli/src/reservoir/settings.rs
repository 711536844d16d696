//! What one deep-vs-single comparison runs: the task, the reservoirs' settings and how the
//! steps are split, with the checks that turn bad flags into clear messages.

use std::ops::Range;

use burn_neuro::reservoir::WoxParams;
use burn_neuro::reservoir::esn::{DeepEsnConfig, EsnNode};
use burn_neuro::reservoir::tasks::{mackey_glass, narma10};
use serde::Serialize;

/// The benchmark series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// NARMA-10: reproduce a nonlinear system with a ten-step memory from its input.
    Narma10,
    /// Mackey-Glass (τ = 17, tanh(x − 1) normalised): predict the next value.
    MackeyGlass,
}

impl Task {
    /// The task's name in titles and tables.
    pub fn name(self) -> &'static str {
        match self {
            Task::Narma10 => "NARMA-10",
            Task::MackeyGlass => "Mackey-Glass",
        }
    }

    /// `(inputs, targets)`, `steps` of each, drawn from `seed`; `targets[t]` is to be produced
    /// from `inputs[0..=t]`.
    pub fn series(self, steps: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        match self {
            Task::Narma10 => narma10(steps, seed),
            Task::MackeyGlass => {
                let series = mackey_glass(steps + 1, seed);
                (series[..steps].to_vec(), series[1..].to_vec())
            }
        }
    }
}

/// The reservoir unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// Leaky tanh units with random recurrent weights.
    Tanh,
    /// WOx dynamic memristors with the library's default device constants.
    Wox,
}

/// The shortest run accepted: it leaves 20 washout, 280 training and 100 test steps.
pub const MIN_STEPS: usize = 400;

/// How a run's steps are used: the first `washout` are dropped (the zero initial state is
/// forgotten), the next `train` fit the readout, the last `test` score it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Split {
    /// Steps dropped at the start.
    pub washout: usize,
    /// Steps the readout is fitted on.
    pub train: usize,
    /// Steps it is scored on (even, so spectrum bins fall on k / test exactly).
    pub test: usize,
}

impl Split {
    /// 5 % washout, 25 % test (rounded down to even), the rest training: 200 / 2800 / 1000 of
    /// 4000 steps. Proportional so that a longer run also tests longer.
    pub fn of(steps: usize) -> Split {
        let washout = steps / 20;
        let test = steps / 4 / 2 * 2;
        Split { washout, train: steps.saturating_sub(washout + test), test }
    }

    /// The rows the readout is fitted on.
    pub(super) fn train_rows(&self) -> Range<usize> {
        self.washout..self.washout + self.train
    }

    /// The rows it is scored on.
    pub(super) fn test_rows(&self) -> Range<usize> {
        self.washout + self.train..self.washout + self.train + self.test
    }
}

/// One deep-vs-single comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReservoirExperiment {
    /// The series.
    pub task: Task,
    /// Layers of the deep reservoir.
    pub layers: usize,
    /// Units per layer; the single reservoir has `layers × size`.
    pub size: usize,
    /// Seeds 0 .. seeds − 1, each drawing its own series and weights.
    pub seeds: usize,
    /// Steps per run (washout + train + test, see [`Split::of`]).
    pub steps: usize,
    /// Leak rate a in (0, 1] of every layer (tanh units).
    pub leak: f64,
    /// Spectral radius of every recurrent matrix (tanh units).
    pub spectral_radius: f64,
    /// Half-width of the input weights.
    pub input_scaling: f64,
    /// Half-width of the weights from one layer to the next.
    pub inter_scaling: f64,
    /// Ridge penalty λ of the readout.
    pub lambda: f64,
    /// The unit model.
    pub node: NodeKind,
}

/// The default inter-layer weight half-width for `size` units per layer: 2/√size (0.2 at
/// 100). A layer's drive sums `size` states of rms ≈ 0.4; weights uniform in ±2/√size keep it
/// near rms 0.5, like the first layer's, where ±1 would drive the upper layers into saturation.
pub fn default_inter_scaling(size: usize) -> f64 {
    2.0 / (size.max(1) as f64).sqrt()
}

impl Default for ReservoirExperiment {
    /// NARMA-10, 4 × 100 vs 400 units, 3 seeds of 4000 steps, leak 0.9, ρ 0.9, input ±0.1,
    /// inter-layer ±0.2, λ 1e-6, tanh units.
    fn default() -> Self {
        ReservoirExperiment {
            task: Task::Narma10,
            layers: 4,
            size: 100,
            seeds: 3,
            steps: 4000,
            leak: 0.9,
            spectral_radius: 0.9,
            input_scaling: 0.1,
            inter_scaling: default_inter_scaling(100),
            lambda: 1e-6,
            node: NodeKind::Tanh,
        }
    }
}

impl ReservoirExperiment {
    /// How the steps are split.
    pub fn split(&self) -> Split {
        Split::of(self.steps)
    }

    /// Checks every setting; messages name the command-line flags.
    pub fn check(&self) -> Result<(), String> {
        if self.layers == 0 || self.size == 0 || self.seeds == 0 {
            return Err("--layers, --size and --seeds must be at least 1".into());
        }
        let units = self.layers.checked_mul(self.size).ok_or("--layers × --size is too large")?;
        if !(self.leak > 0.0 && self.leak <= 1.0) {
            return Err(format!("--leak {}: must be in (0, 1] (1: no leak integration)", self.leak));
        }
        let non_negative = [
            ("--spectral-radius", self.spectral_radius),
            ("--input-scaling", self.input_scaling),
            ("--inter-scaling", self.inter_scaling),
            ("--ridge", self.lambda),
        ];
        for (flag, value) in non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return Err(format!("{flag} {value}: must be a finite number >= 0"));
            }
        }
        // The library's own limits (units per layer among them), before any run starts. One
        // deep layer stands for all of them: they have the same size.
        for (which, sizes) in [("deep", vec![self.size]), ("single", vec![units])] {
            self.esn_config(sizes, 0).check().map_err(|e| format!("{which} reservoir: {e} (--layers, --size)"))?;
        }
        if self.steps < MIN_STEPS {
            return Err(format!("--steps {}: at least {MIN_STEPS} (5 % washout, 70 % training, 25 % test)", self.steps));
        }
        // More readout weights than training rows would fit the training part exactly and say
        // nothing about the reservoirs.
        if self.split().train <= units {
            let needed = (MIN_STEPS..).find(|&s| Split::of(s).train > units).unwrap_or(usize::MAX);
            return Err(format!(
                "--steps {}: leaves {} training steps for a readout of {} weights ({units} units + bias); use --steps {needed} or more",
                self.steps,
                self.split().train,
                units + 1
            ));
        }
        Ok(())
    }

    /// The library's configuration of a reservoir with these settings and `sizes`.
    pub(super) fn esn_config(&self, sizes: Vec<usize>, seed: u64) -> DeepEsnConfig {
        DeepEsnConfig {
            sizes,
            spectral_radius: self.spectral_radius,
            input_scaling: self.input_scaling,
            inter_scaling: self.inter_scaling,
            leak: self.leak,
            seed,
            node: match self.node {
                NodeKind::Tanh => EsnNode::Tanh,
                NodeKind::Wox => EsnNode::Wox(WoxParams::default()),
            },
            ..DeepEsnConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_split_is_200_2800_1000() {
        assert_eq!(Split::of(4000), Split { washout: 200, train: 2800, test: 1000 });
        let odd = Split::of(1006);
        assert_eq!(odd.test % 2, 0);
        assert_eq!(odd.washout + odd.train + odd.test, 1006);
    }

    #[test]
    fn check_names_the_flag_at_fault() {
        assert!(ReservoirExperiment::default().check().is_ok());
        let bad = |change: fn(&mut ReservoirExperiment)| {
            let mut exp = ReservoirExperiment::default();
            change(&mut exp);
            exp.check().unwrap_err()
        };
        assert!(bad(|e| e.layers = 0).contains("--layers"));
        assert!(bad(|e| e.leak = 0.0).contains("--leak"));
        assert!(bad(|e| e.lambda = -1.0).contains("--ridge"));
        assert!(bad(|e| e.steps = 100).contains("--steps"));
        // 4 × 100 units need more than 401 training rows.
        let message = bad(|e| e.steps = 500);
        assert!(message.contains("use --steps"), "{message}");
    }

    #[test]
    fn mackey_glass_pairs_are_one_step_apart() {
        let (input, target) = Task::MackeyGlass.series(50, 2);
        assert_eq!((input.len(), target.len()), (50, 50));
        assert_eq!(input[1..], target[..49]);
    }
}
