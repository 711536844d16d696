//! The checked public API: functions on `Tensor<D>` that validate their arguments, then call the
//! backend extension in [`crate::backend`].

pub mod alpha;
pub mod lapicque;
pub mod lif;
pub mod lif_composite;
pub mod recurrent;
pub mod spike_propagate;
pub mod synaptic;
