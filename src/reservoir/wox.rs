//! The WOx dynamic memristor as a reservoir node ([`wox_node`]): voltage pulses grow its
//! conducting state w, which relaxes back towards w_min, and the current read through it
//! carries the recent input history (Du et al., Nat. Commun. 8:2204, 2017). The model and its
//! discretisation are documented in `reference::wox_node`.

use burn::backend::Dispatch;
use burn::tensor::{DType, Tensor};

use crate::backend::WoxNodeOps;
use crate::device::{check_buffer, compute_path};
use crate::error::{NeuroError, Result};
use crate::kernels::wox_node::WoxNodeParams;
use crate::reference::wox_node::WoxCoefficients;

/// The device constants, SI units. The defaults are the values a public transcription of Du et
/// al. 2017's supplementary table gives (α = 10 nA, β = 0.5 /V, γ = 10 µA, δ = 4 /V,
/// λ = 1e-3 /s, η = 8 /V, w_min = 0.1, τ = 50 ms); they could not be checked against the
/// supplement itself, so fit them to your device before drawing device-level conclusions.
/// `dt` (1 ms) is this crate's choice: the pulse slot of one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WoxParams {
    /// Schottky-like prefactor α (A).
    pub alpha: f64,
    /// Schottky-like exponent β (1/V).
    pub beta: f64,
    /// Tunnelling-like prefactor γ (A).
    pub gamma: f64,
    /// Tunnelling-like exponent δ (1/V).
    pub delta: f64,
    /// Growth rate λ (1/s).
    pub lambda: f64,
    /// Growth nonlinearity η (1/V).
    pub eta: f64,
    /// Resting state w_min, in [0, 1].
    pub w_min: f64,
    /// Relaxation time constant τ (s).
    pub tau: f64,
    /// Time step (s).
    pub dt: f64,
}

impl Default for WoxParams {
    fn default() -> Self {
        WoxParams { alpha: 1e-8, beta: 0.5, gamma: 1e-5, delta: 4.0, lambda: 1e-3, eta: 8.0, w_min: 0.1, tau: 0.05, dt: 1e-3 }
    }
}

impl WoxParams {
    /// The f32 constants the kernel and the reference run on.
    pub fn coefficients(&self) -> WoxCoefficients {
        WoxCoefficients {
            alpha: self.alpha as f32,
            beta: self.beta as f32,
            gamma: self.gamma as f32,
            delta: self.delta as f32,
            lambda_dt: (self.lambda * self.dt) as f32,
            eta: self.eta as f32,
            w_min: self.w_min as f32,
            dt_over_tau: (self.dt / self.tau) as f32,
        }
    }

    /// Checks every constant: finite, rates and prefactors ≥ 0, τ and dt > 0, w_min in [0, 1],
    /// and an explicit step that does not overshoot the relaxation (dt ≤ τ).
    pub fn check(&self) -> Result<()> {
        let non_negative =
            [("alpha", self.alpha), ("gamma", self.gamma), ("lambda", self.lambda), ("beta", self.beta), ("delta", self.delta), ("eta", self.eta)];
        for (argument, value) in non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a finite value >= 0".into() });
            }
        }
        for (argument, value) in [("tau", self.tau), ("dt", self.dt)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a positive finite time in seconds".into() });
            }
        }
        if !(0.0..=1.0).contains(&self.w_min) {
            return Err(NeuroError::Range { argument: "w_min", value: self.w_min.to_string(), expected: "a fraction in [0, 1]".into() });
        }
        if self.dt > self.tau {
            return Err(NeuroError::Range {
                argument: "dt",
                value: self.dt.to_string(),
                expected: format!("at most τ = {} s (explicit Euler overshoots the relaxation beyond it)", self.tau),
            });
        }
        Ok(())
    }
}

/// What [`wox_node`] returns.
#[derive(Debug, Clone)]
pub struct WoxOutput<const D: usize> {
    /// The state w after every step, `[T, ...]` like the input.
    pub state: Tensor<D>,
    /// The current read at every step (A), `[T, ...]`.
    pub current: Tensor<D>,
}

/// T steps of WOx memristor nodes in one launch: `voltage` `[T, ...]` (volts per step, f32),
/// `initial` the state w of each node `[N]` (`None`: w_min). Not differentiable: the node
/// drives fixed reservoirs read out by regression, and gradients stop at it.
pub fn wox_node<const D: usize>(voltage: Tensor<D>, initial: Option<Tensor<1>>, params: &WoxParams) -> Result<WoxOutput<D>> {
    params.check()?;
    let dims = voltage.dims();
    if D < 2 || dims.contains(&0) {
        return Err(NeuroError::Shape { argument: "voltage", actual: dims.to_vec(), expected: "[T, ...] with T >= 1 and no empty dimension".into() });
    }
    if voltage.dtype() != DType::F32 {
        return Err(NeuroError::DType {
            argument: "voltage",
            actual: format!("{:?}", voltage.dtype()),
            expected: "F32 (the node's currents span 1e-9..1e-3 A, beyond f16's range)".into(),
        });
    }
    let device = voltage.device();
    compute_path(&device)?;
    let (steps, neurons) = (dims[0], dims[1..].iter().product::<usize>());
    let initial = match initial {
        None => Tensor::full([neurons], params.w_min as f32, (&device, DType::F32)),
        Some(initial) => {
            if initial.dims() != [neurons] {
                return Err(NeuroError::Shape {
                    argument: "initial",
                    actual: initial.dims().to_vec(),
                    expected: format!("[{neurons}], one state per node of `voltage`"),
                });
            }
            if initial.dtype() != DType::F32 {
                return Err(NeuroError::DType { argument: "initial", actual: format!("{:?}", initial.dtype()), expected: "F32".into() });
            }
            if initial.device() != device {
                return Err(NeuroError::Device("`initial` is on another device than `voltage`".into()));
            }
            initial
        }
    };
    check_buffer(&device, "voltage", "trajectory", &[steps, 2, neurons], 4, "split T or N")?;
    let kernel_params = WoxNodeParams::new(&params.coefficients(), steps, neurons);
    let flat = voltage.reshape([steps, neurons]);
    let trajectory = Tensor::<3>::from_dispatch(Dispatch::wox_node_forward(flat.into_dispatch(), initial.into_dispatch(), kernel_params));
    let state = trajectory.clone().slice([0..steps, 0..1]).reshape(dims);
    let current = trajectory.slice([0..steps, 1..2]).reshape(dims);
    Ok(WoxOutput { state, current })
}
