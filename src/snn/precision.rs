//! Moving a model to half precision while its neuron parameters stay f32.

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{FloatDType, Tensor};

/// Casts every float parameter of `model` to `dtype`, except those of the neuron layers
/// ([`Leaky`](super::Leaky), [`Lapicque`](super::Lapicque), [`Synaptic`](super::Synaptic),
/// [`Alpha`](super::Alpha), [`RLeaky`](super::RLeaky)): β, θ, α, V and the graded-spike factor
/// keep f32, the precision their small updates need (an `RLeaky`'s all-to-all `Linear`
/// too: the layer casts the spikes to its dtype).
pub fn cast_weights<M: Module>(model: M, dtype: FloatDType) -> M {
    model.map(&mut CastWeights { dtype, inside_neuron: 0 })
}

struct CastWeights {
    dtype: FloatDType,
    inside_neuron: usize,
}

/// The module type names of the neuron layers, as Burn's derive reports them (`Struct:Name`).
const NEURON_LAYERS: [&str; 5] = ["Leaky", "Lapicque", "Synaptic", "Alpha", "RLeaky"];

/// Whether a container is one of our neuron layers (Burn reports each field's parent).
fn is_neuron_layer(container_type: &str) -> bool {
    let name = container_type.rsplit([':', ' ']).next().unwrap_or(container_type);
    NEURON_LAYERS.contains(&name)
}

impl ModuleMapper for CastWeights {
    fn enter_module(&mut self, _name: &str, container_type: &str) {
        // Depth below the outermost neuron layer, so a module nested in one stays inside.
        if self.inside_neuron > 0 || is_neuron_layer(container_type) {
            self.inside_neuron += 1;
        }
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.inside_neuron = self.inside_neuron.saturating_sub(1);
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
