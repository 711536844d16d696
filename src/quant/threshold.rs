//! Threshold annealing: a neuron layer's firing threshold relaxes exponentially toward a final
//! value, one step after every optimizer step, so binarized layers keep firing early in
//! training and grow sparse later (snn-tha's `tha.py`).

use crate::error::{NeuroError, Result};
use crate::snn::Leaky;

/// `θ ← θ + α·(θ_f − θ)` after every optimizer step: `θ(n) = θ_f − (θ_f − θ₀)·(1 − α)^n`.
///
/// snn-tha's configs give θ₀ (`threshold`) and an *increment* `thr_final`; its `run.py` sets
/// θ_f = threshold + thr_final, so pass that sum as `final_threshold`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThresholdAnnealing {
    /// Relaxation rate α per step, in (0, 1].
    pub alpha: f32,
    /// The value θ relaxes toward.
    pub final_threshold: f32,
}

impl ThresholdAnnealing {
    /// Checks α and θ_f.
    pub fn new(alpha: f32, final_threshold: f32) -> Result<Self> {
        if !(alpha > 0.0 && alpha <= 1.0) {
            return Err(NeuroError::Range { argument: "alpha", value: alpha.to_string(), expected: "a relaxation rate in (0, 1]".into() });
        }
        if !final_threshold.is_finite() {
            return Err(NeuroError::Range { argument: "final_threshold", value: final_threshold.to_string(), expected: "a finite value".into() });
        }
        Ok(ThresholdAnnealing { alpha, final_threshold })
    }

    /// θ after `steps` updates from `initial`, in closed form (f64).
    pub fn after(&self, initial: f64, steps: u64) -> f64 {
        let target = self.final_threshold as f64;
        target - (target - initial) * (1.0 - self.alpha as f64).powf(steps as f64)
    }

    /// One annealing step of `layer`'s threshold, computed on the threshold's device (no host
    /// round trip). The threshold keeps its parameter id, so an optimizer that trains it
    /// (`learn_threshold`) keeps its state.
    pub fn step(&self, mut layer: Leaky) -> Leaky {
        let (alpha, target) = (self.alpha, self.final_threshold);
        layer.threshold = layer.threshold.map(|theta| {
            // A new leaf: the update is not part of any graph, and a learned threshold stays
            // trainable.
            let learned = theta.is_require_grad();
            let theta = theta.detach();
            let next = (theta.clone() + (theta.neg() + target).mul_scalar(alpha)).detach();
            if learned { next.require_grad() } else { next }
        });
        layer
    }
}
