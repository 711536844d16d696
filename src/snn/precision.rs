//! Moving a model to half precision while its neuron parameters stay f32.

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{FloatDType, Tensor};

/// Casts every float parameter of `model` to `dtype`, except those inside [`Leaky`](super::Leaky)
/// layers: β and θ keep f32, the precision their small updates need.
pub fn cast_weights<M: Module>(model: M, dtype: FloatDType) -> M {
    model.map(&mut CastWeights { dtype, inside_neuron: 0 })
}

struct CastWeights {
    dtype: FloatDType,
    inside_neuron: usize,
}

impl ModuleMapper for CastWeights {
    fn enter_module(&mut self, _name: &str, container_type: &str) {
        if container_type.contains("Leaky") {
            self.inside_neuron += 1;
        }
    }

    fn exit_module(&mut self, _name: &str, container_type: &str) {
        if container_type.contains("Leaky") {
            self.inside_neuron -= 1;
        }
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if self.inside_neuron > 0 {
            param
        } else {
            let dtype = self.dtype;
            param.map(|tensor| tensor.cast(dtype))
        }
    }
}
