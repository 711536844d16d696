//! The checked public API: functions on `Tensor<D>` that validate their arguments, then call the
//! backend extension in [`crate::backend`].

pub mod lapicque;
pub mod lif;
pub mod lif_composite;
pub mod mif;
pub mod neuron;
pub mod recurrent;
pub mod spike_propagate;
