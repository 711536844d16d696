//! MEMprop's memristive integrate-and-fire (MIF) neuron: a capacitor and two volatile memristors
//! whose switching makes the spike. Its spikes are analog and its update is smooth, so the
//! backward is the exact derivative of the discrete update (no surrogate gradient).
//!
//! The model, its units and its stability bound are documented in [`crate::reference::mif`],
//! the CPU reference the kernels are tested against. In short: per neuron the state is
//! (a, I, v, x1, x2) in µA, µA, mV and two memristor states in [0, 1]; the input (µA per step)
//! enters the alpha-shaped drive a; the defaults are the paper's (R_on 1 kΩ, R_off 100 kΩ,
//! τ = τ_α = 100 steps of 10 µs, E1/E2 = ∓25 mV, k_th = 15 mV).
//!
//! f32 only: the membrane spans tens of mV while the memristor conductances and the per-step
//! changes they drive are 1e-5 of that, below f16's resolution at those magnitudes.

use burn::backend::Dispatch;
use burn::tensor::{DType, Device, Tensor, TensorData};

pub use crate::reference::mif::{INITIAL_MEMRISTOR_STATE, MifParams, NOTEBOOK_KICK};

use crate::backend::MifOps;
use crate::device::{compute_path, max_binding_bytes};
use crate::kernels::mif::{MIF_STATE_PLANES, MifKernelParams};
use crate::reference::mif::MifCoefficients;
use crate::{NeuroError, Result};

/// What [`mif`] returns.
#[derive(Debug, Clone)]
pub struct MifOutput<const D: usize> {
    /// v after every update, `[T, ...]` like the input, in mV: the neuron's analog spikes.
    pub membrane: Tensor<D>,
    /// Every state, `[T + 1, 5, N]` (N the product of the per-step dims): row 0 the initial
    /// state, row t + 1 the state after update t, planes a, I, v, x1, x2. A loss may use any of
    /// it; gradients flow through all of it.
    pub trajectory: Tensor<3>,
}

impl<const D: usize> MifOutput<D> {
    /// The state after the last update, `[5, N]`: pass it as `initial` to continue.
    pub fn final_state(&self) -> Tensor<2> {
        let [rows, planes, neurons] = self.trajectory.dims();
        self.trajectory.clone().slice([rows - 1..rows]).reshape([planes, neurons])
    }
}

/// The notebook's resting state for `neurons` neurons, `[5, N]`: a = I = 0, v = (E1 + E2)/2,
/// x1 = x2 = 0.0238. `kick` sets a(0) (the golden trace uses [`NOTEBOOK_KICK`]).
pub fn mif_rest_state(params: &MifParams, neurons: usize, kick: f32, device: &Device) -> Tensor<2> {
    let planes = [kick, 0.0, params.resting_potential() as f32, INITIAL_MEMRISTOR_STATE as f32, INITIAL_MEMRISTOR_STATE as f32];
    let values: Vec<f32> = planes.iter().flat_map(|p| std::iter::repeat_n(*p, neurons)).collect();
    Tensor::from_data(TensorData::new(values, [MIF_STATE_PLANES, neurons]), (device, DType::F32))
}

/// Validates the parameters: every resistance, capacitance, time step, time constant and
/// switching width positive and finite (τ and τ_α at least one step), voltages finite.
pub fn check_params(params: &MifParams) -> Result<()> {
    let positive = [("r_on", params.r_on), ("r_off", params.r_off), ("capacitance", params.capacitance), ("dt", params.dt), ("k_th", params.k_th)];
    for (argument, value) in positive {
        if !(value.is_finite() && value > 0.0) {
            return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a positive finite value".into() });
        }
    }
    for (argument, value) in [("tau", params.tau), ("tau_alpha", params.tau_alpha)] {
        if !(value.is_finite() && value >= 1.0) {
            return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a finite number of steps, at least 1".into() });
        }
    }
    for (argument, value) in [("v_on", params.v_on), ("v_off", params.v_off), ("e1", params.e1), ("e2", params.e2)] {
        if !value.is_finite() {
            return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a finite voltage in mV".into() });
        }
    }
    // The kernels run on f32 coefficients: a valid f64 constant may still round to 0 or ∞.
    let c = MifCoefficients::<f32>::new(params);
    let derived = [
        ("r_on", params.r_on, c.g_on, "a resistance whose f32 conductance 1/R_on is positive and finite"),
        ("r_off", params.r_off, c.g_off, "a resistance whose f32 conductance 1/R_off is positive and finite"),
        ("capacitance", params.capacitance, c.dt_over_c, "a capacitance with dt/C positive and finite in f32"),
        ("k_th", params.k_th, c.inv_k_th, "a switching width with 1/k_th positive and finite in f32"),
    ];
    for (argument, original, value, expected) in derived {
        if !(value.is_finite() && value > 0.0) {
            return Err(NeuroError::Range { argument, value: original.to_string(), expected: expected.into() });
        }
    }
    for (argument, value) in [("v_on", c.v_on), ("v_off", c.v_off), ("e1", c.e1), ("e2", c.e2)] {
        if !value.is_finite() {
            return Err(NeuroError::Range { argument, value: value.to_string(), expected: "a voltage within f32's range".into() });
        }
    }
    Ok(())
}

/// T updates of every neuron in one launch: `input` `[T, ...]` (µA per step, f32), `initial`
/// `[5, N]` or `None` for [`mif_rest_state`] without a kick. Differentiable in `input` and
/// `initial` on every device (exact reverse scan on the GPU; the CPU reference on Flex).
pub fn mif<const D: usize>(input: Tensor<D>, initial: Option<Tensor<2>>, params: &MifParams) -> Result<MifOutput<D>> {
    check_params(params)?;
    let dims = input.dims();
    if D < 2 || dims[0] == 0 || dims[1..].contains(&0) {
        return Err(NeuroError::Shape { argument: "input", actual: dims.to_vec(), expected: "[T, ...] with T >= 1 and no empty dimension".into() });
    }
    if input.dtype() != DType::F32 {
        return Err(NeuroError::DType {
            argument: "input",
            actual: format!("{:?}", input.dtype()),
            expected: "F32 (the MIF's conductances and currents need f32's range and precision)".into(),
        });
    }
    let device = input.device();
    compute_path(&device)?;
    let (steps, neurons) = (dims[0], dims[1..].iter().product::<usize>());
    let initial = match initial {
        None => mif_rest_state(params, neurons, 0.0, &device),
        Some(initial) => {
            if initial.dims() != [MIF_STATE_PLANES, neurons] {
                return Err(NeuroError::Shape {
                    argument: "initial",
                    actual: initial.dims().to_vec(),
                    expected: format!("[5, {neurons}] (planes a, I, v, x1, x2 of each neuron of `input`)"),
                });
            }
            if initial.dtype() != DType::F32 {
                return Err(NeuroError::DType { argument: "initial", actual: format!("{:?}", initial.dtype()), expected: "F32".into() });
            }
            if initial.device() != device {
                return Err(NeuroError::Device("`initial` is on another device than `input`".into()));
            }
            initial
        }
    };
    // Kernels index with u32; the trajectory holds 5·(T + 1)·N values.
    let values = (steps + 1).checked_mul(MIF_STATE_PLANES).and_then(|x| x.checked_mul(neurons));
    if values.is_none_or(|n| n > u32::MAX as usize) {
        return Err(NeuroError::TooLarge {
            argument: "input",
            detail: format!("its state trajectory, 5·(T + 1)·N = 5·{}·{neurons} values, exceeds 2^32; split T or the batch", steps + 1),
        });
    }
    if let Some(limit) = max_binding_bytes(&device) {
        let bytes = ((steps + 1) * MIF_STATE_PLANES * neurons * 4) as u64;
        if bytes > limit {
            return Err(NeuroError::TooLarge {
                argument: "input",
                detail: format!(
                    "its {bytes}-byte state trajectory exceeds this adapter's {limit}-byte binding limit; split T into chunks (pass `final_state` on) or split the batch"
                ),
            });
        }
    }
    let kernel_params = MifKernelParams::new(params, steps, neurons);
    let flat = input.reshape([steps, neurons]);
    let trajectory = Tensor::<3>::from_dispatch(Dispatch::mif_forward(flat.into_dispatch(), initial.into_dispatch(), kernel_params));
    let membrane = trajectory.clone().slice([1..steps + 1, 2..3]).reshape(dims);
    Ok(MifOutput { membrane, trajectory })
}

/// The same T updates written with plain Burn tensor ops (one op per term per step), for
/// comparison with the fused kernels: `input [T, N]`, `initial [5, N]` → membrane `[T, N]`.
/// Burn's autodiff differentiates it like any graph; the benchmark and the tests use it as the
/// unfused baseline and as an independent oracle for the kernels' exact backward.
///
/// Unchecked, unlike [`mif`]: call [`check_params`] first; `initial` must be `[5, N]`.
///
/// # Panics
/// Where Burn's ops do on mismatched shapes.
pub fn mif_composite(input: Tensor<2>, initial: Tensor<2>, params: &MifParams) -> Tensor<2> {
    let [steps, neurons] = input.dims();
    let c = MifCoefficients::<f32>::new(params);
    let plane = |p: usize| initial.clone().slice([p..p + 1]).reshape([neurons]);
    let (mut a, mut i, mut v, mut x1, mut x2) = (plane(0), plane(1), plane(2), plane(3), plane(4));
    let conductance = |x: Tensor<1>| x.clone() * c.g_on + (x.neg() + 1.0) * c.g_off;
    // σ(((v − e) − v_on)/k_th) and σ((v_off − (v − e))/k_th), as 1/(1 + e^{−z}).
    let switching = |v: Tensor<1>, e: f32| {
        let across = v - e;
        let on = ((across.clone().neg() + c.v_on) * c.inv_k_th).exp().add_scalar(1.0).recip();
        let off = ((across - c.v_off) * c.inv_k_th).exp().add_scalar(1.0).recip();
        (on, off)
    };
    let mut membrane = Vec::with_capacity(steps);
    for t in 0..steps {
        let x_t = input.clone().slice([t..t + 1]).reshape([neurons]);
        let (g1, g2) = (conductance(x1.clone()), conductance(x2.clone()));
        let (on1, off1) = switching(v.clone(), c.e1);
        let (on2, off2) = switching(v.clone(), c.e2);
        let next_a = a.clone() - a.clone() * c.inv_tau_alpha + x_t;
        let next_i = i.clone() + (a - i.clone()) * c.inv_tau_alpha;
        let next_v = v.clone() + (i - g1 * (v.clone() - c.e1) - g2 * (v - c.e2)) * c.dt_over_c;
        let next_x1 = x1.clone() + ((x1.clone().neg() + 1.0) * on1 - x1 * off1) * c.inv_tau;
        let next_x2 = x2.clone() + ((x2.clone().neg() + 1.0) * on2 - x2 * off2) * c.inv_tau;
        (a, i, v, x1, x2) = (next_a, next_i, next_v, next_x1, next_x2);
        membrane.push(v.clone().unsqueeze_dim::<2>(0));
    }
    Tensor::cat(membrane, 0)
}
