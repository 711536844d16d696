//! Spiking-network modules for Burn models.

mod alpha;
mod config;
mod graded;
mod lapicque;
mod layer;
mod leaky;
pub mod loss;
mod mif;
pub(crate) mod parameter;
mod precision;
mod recurrent;
pub mod spikegen;
mod spiking_linear;
mod step_norm;
mod synaptic;
pub mod truncated;

/// What every layer's `forward` and `step` take and return (also at the crate root).
pub use crate::ops::neuron::{NeuronOutput, NeuronState};
pub use alpha::{Alpha, AlphaConfig};
pub use lapicque::{Lapicque, LapicqueConfig};
pub use leaky::{Leaky, LeakyConfig};
pub use mif::{Mif, MifConfig};
pub use precision::cast_weights;
pub use recurrent::{RLeaky, RLeakyConfig};
pub use spiking_linear::{SpikingLinear, SpikingLinearConfig};
pub use step_norm::{StepBatchNorm, StepBatchNormConfig};
pub use synaptic::{Synaptic, SynapticConfig};
pub use truncated::{NeuronLayer, forward_truncated};

#[cfg(test)]
mod tests {
    //! Config validation and precision handling on Burn's CPU device: no adapter needed.

    use burn::module::Module;
    use burn::tensor::{DType, Device, FloatDType};

    use super::*;

    #[test]
    fn configs_name_the_bad_argument() {
        let device = Device::flex();
        let err = |result: crate::Result<_>| result.err().map(|e: crate::NeuroError| e.to_string()).unwrap_or_default();
        assert!(err(LeakyConfig::new(1.5).init(&device).map(|_| ())).contains("`beta`"));
        assert!(err(LeakyConfig::new(0.9).with_neurons(Some(0)).init(&device).map(|_| ())).contains("`neurons`"));
        assert!(
            err(LeakyConfig::new(0.9).with_neurons(Some(3)).with_beta_per_neuron(Some(vec![0.5; 2])).init(&device).map(|_| ()))
                .contains("`beta_per_neuron`")
        );
        assert!(err(SynapticConfig::new(-0.1, 0.9).init(&device).map(|_| ())).contains("`alpha`"));
        assert!(err(AlphaConfig::new(0.8, 0.9).init(&device).map(|_| ())).contains("`alpha`"), "α must exceed β");
        assert!(err(AlphaConfig::new(0.9, 0.8).with_reset_delay(false).init(&device).map(|_| ())).contains("`reset_delay`"));
        assert!(err(RLeakyConfig::new(0.9, 0).init(&device).map(|_| ())).contains("`features`"));
        assert!(err(LapicqueConfig::new(1.0, 1.0).with_time_step(2.0).init(&device).map(|_| ())).contains("`time_step`"));
        assert!(err(LeakyConfig::new(0.9).with_graded_spikes_factor(f32::NAN).init(&device).map(|_| ())).contains("graded_spikes_factor"));
    }

    /// A model of every neuron layer next to a plain weight.
    #[derive(Module, Debug)]
    struct Net {
        weight: burn::module::Param<burn::tensor::Tensor<1>>,
        leaky: Leaky,
        synaptic: Synaptic,
        alpha: Alpha,
        lapicque: Lapicque,
        recurrent: RLeaky,
    }

    #[test]
    fn cast_weights_keeps_every_neuron_parameter_in_f32() {
        let device = Device::flex();
        let net = Net {
            weight: burn::module::Param::from_tensor(burn::tensor::Tensor::ones([3], &device)),
            leaky: LeakyConfig::new(0.9).init(&device).expect("valid"),
            synaptic: SynapticConfig::new(0.5, 0.9).init(&device).expect("valid"),
            alpha: AlphaConfig::new(0.9, 0.8).init(&device).expect("valid"),
            lapicque: LapicqueConfig::new(1.0, 2.0).init(&device).expect("valid"),
            recurrent: RLeakyConfig::new(0.9, 4).with_alpha(Some(0.5)).init(&device).expect("valid"),
        };
        let net = cast_weights(net, FloatDType::F16);
        assert_eq!(net.weight.val().dtype(), DType::F16, "other weights are cast");
        for (name, dtype) in [
            ("leaky β", net.leaky.beta.val().dtype()),
            ("synaptic α", net.synaptic.alpha.val().dtype()),
            ("alpha α", net.alpha.alpha.val().dtype()),
            ("lapicque θ", net.lapicque.threshold.val().dtype()),
            ("rsynaptic α", net.recurrent.alpha.as_ref().expect("RSynaptic").val().dtype()),
        ] {
            assert_eq!(dtype, DType::F32, "{name} stays f32");
        }
    }
}
