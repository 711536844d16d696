//! Reservoir computing on memristor dynamics.
//!
//! - [`reservoir_node`] / [`ReservoirNode`]: RN-Net's short-term-memory memristor node
//!   (Yoo et al., Adv. Intell. Syst. 2024) fused over T in one WGSL launch, with an exact
//!   reverse-scan backward, so a reservoir layer can sit inside a trained network:
//!   `G_t = P_c·(G_max − G_{t−1})·δ_t + G_{t−1}·e^{−1/τ}`.
//! - [`wox_node`]: the WOx dynamic memristor of Du et al. 2017 as a physical node (voltage
//!   pulses in, state and current out), fused over T.
//!
//! ```
//! use burn::tensor::{Device, Tensor, TensorData};
//! use burn_neuro::reservoir::reservoir_node;
//!
//! let device = Device::default();
//! // One node, the golden drive δ = 1,1,0,0,1,0 with G_max = 1, P_c = 0.5, τ = 5.
//! let delta = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 1.0, 0.0, 0.0, 1.0, 0.0], [6, 1]), &device);
//! let p_c = Tensor::<1>::from_data(TensorData::new(vec![0.5f32], [1]), &device);
//! let tau = Tensor::<1>::from_data(TensorData::new(vec![5.0f32], [1]), &device);
//! let g = reservoir_node(delta, p_c, tau, 1.0, None)?.conductance;
//! let g: Vec<f32> = g.into_data().to_vec().unwrap();
//! assert!((g[1] - 0.659365).abs() < 1e-5 && (g[5] - 0.524704).abs() < 1e-5);
//! # Ok::<(), burn_neuro::NeuroError>(())
//! ```

pub mod esn;
pub mod node;
pub mod readout;
pub mod spectrum;
pub mod tasks;
pub mod wox;

pub use esn::{DeepEsn, DeepEsnConfig, EsnNode, esn_layer};
pub use node::{ReservoirNode, ReservoirNodeConfig, ReservoirNodeOutput, reservoir_node, reservoir_node_composite};
pub use wox::{WoxOutput, WoxParams, wox_node};
