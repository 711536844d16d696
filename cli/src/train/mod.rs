//! Half-precision SNN training runs: data, the reference models, the training loop with
//! metrics, charts and checkpoints.

pub mod clip;
pub use burn_neuro::data;
pub mod event_data;
pub mod events;
pub mod lenet;
pub mod lowbit;
pub mod mif;
pub mod model;
pub mod on_chip;
pub mod parallel;
pub mod rn_net;
pub mod run;
pub mod step;
