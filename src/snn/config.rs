//! The fields every neuron layer's config shares, declared once: `neuron_config!` adds them to
//! a `#[derive(Config)]` struct along with `spec()`, which turns them into a [`LifSpec`].

/// Declares a neuron config: the given fields, then reset (with the given default), delay,
/// surrogate, state quantizer, saved state and the graded-spike factor, all with snnTorch's
/// defaults.
macro_rules! neuron_config {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($fields:tt)* }
        default_reset = $reset:tt;
        zero_reset = $zero:path;
    ) => {
        $(#[$meta])*
        #[derive(burn::config::Config, Debug)]
        pub struct $name {
            $($fields)*
            /// Reset mechanism after a spike. `Zero` is snnTorch's `reset_mechanism="zero"` of
            /// the same class (see [`ResetMode::Zero`](crate::neuron::ResetMode::Zero)).
            #[config(default = $reset)]
            pub reset: $crate::neuron::ResetMode,
            /// Delay the reset to the next step (snnTorch's default).
            #[config(default = true)]
            pub reset_delay: bool,
            /// Surrogate gradient of the spike.
            #[config(default = "crate::neuron::Surrogate::Atan { alpha: 2.0 }")]
            pub surrogate: $crate::neuron::Surrogate,
            /// Quantize the state after every update (snnTorch's `state_quant`).
            #[config(default = "None")]
            pub state_quant: Option<$crate::neuron::StateQuant>,
            /// What autodiff keeps for the backward: `SavedState::Compact` for memory-light
            /// BPTT (bit-packed spikes, f16 states).
            #[config(default = "crate::neuron::SavedState::Full")]
            pub saved_state: $crate::neuron::SavedState,
            /// Scale of the emitted spikes (snnTorch's `graded_spikes_factor`); the reset still
            /// uses the binary spike.
            #[config(default = 1.0)]
            pub graded_spikes_factor: f32,
            /// Train the graded-spike factor.
            #[config(default = false)]
            pub learn_graded_spikes: bool,
        }

        impl $name {
            /// The spec of the shared fields, validated, with `Zero` resolved to the formula
            /// snnTorch's class of the same name applies.
            pub fn spec(&self) -> $crate::error::Result<$crate::neuron::LifSpec> {
                let reset = match self.reset {
                    $crate::neuron::ResetMode::Zero => $zero,
                    other => other,
                };
                let spec = $crate::neuron::LifSpec {
                    reset,
                    reset_delay: self.reset_delay,
                    surrogate: self.surrogate,
                    state_quant: self.state_quant,
                    saved_state: self.saved_state,
                };
                spec.validate()?;
                Ok(spec)
            }

            /// The graded-spike factor as a parameter (`None` for a fixed 1).
            fn graded_spikes(&self, device: &burn::tensor::Device) -> $crate::error::Result<Option<burn::module::Param<burn::tensor::Tensor<1>>>> {
                super::graded::graded_factor(self.graded_spikes_factor, self.learn_graded_spikes, device)
            }
        }
    };
}

pub(crate) use neuron_config;
