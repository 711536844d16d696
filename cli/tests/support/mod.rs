//! What the training comparisons share: a silent progress sink, every parameter of a model as
//! one vector, and the largest difference between two of them.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use burn_neuro_cli::train::run::{EpochMetrics, Progress};

/// Progress callbacks that print nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn epoch_start(&mut self, _: usize, _: usize) {}
    fn batch(&mut self, _: f64, _: f64) {}
    fn epoch_end(&mut self, _: &EpochMetrics) {}
}

struct Values(Vec<f32>);

impl ModuleVisitor for Values {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.extend(param.val().into_data().convert::<f32>().iter::<f32>());
    }
}

/// Every float parameter of `model`, in visiting order (reading them also makes Burn's lazy
/// initialisation happen on the device they are on now).
pub fn parameters<M: Module>(model: &M) -> Vec<f32> {
    let mut values = Values(Vec::new());
    model.visit(&mut values);
    values.0
}

/// max |a − b| over two parameter vectors of one model.
pub fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}
