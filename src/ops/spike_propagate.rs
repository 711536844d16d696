//! Spike propagation through a dense weight matrix, event-driven where activity is sparse.
//!
//! `Y = S·W (+ b)` for spikes `S [rows, N_in]` (binary, or graded: non-zero means active) and
//! `W [N_in, N_out]` (the layout of `burn::nn::Linear`). The sparse path compacts each row's
//! active inputs on the GPU and accumulates only those rows of W, in ascending input order, so
//! every run gives bit-identical results. Its backward computes dL/dW only from active inputs
//! and dL/dS densely (`dY·Wᵀ`, which the previous layer's surrogate gradient needs). With
//! checked binary spikes the backward keeps them bit-packed (`shaders/spike_pack.wgsl`).

use burn::backend::Dispatch;
use burn::tensor::{Int, Tensor};
use serde::{Deserialize, Serialize};

use crate::backend::SpikePropagateOps;
use crate::device::{check_storage_dtype, compute_path, max_binding_bytes};
use crate::error::{NeuroError, Result};

/// Default activity below which [`Propagation::Auto`] takes the sparse path: the forward
/// break-even the `spike_propagate` benchmark measured on Mesa's lavapipe (5.1% at 400 rows,
/// N_in = N_out = 1024). GPUs differ: run the benchmark and pass what it reports.
pub const DEFAULT_BREAK_EVEN: f32 = 0.05;

/// Which implementation computes `S·W`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Propagation {
    /// Event-driven kernels (touch only active inputs).
    Sparse,
    /// Burn's dense matmul.
    Dense,
    /// Measure the density of `S` (one small device read per call) and go sparse below
    /// `break_even` (a fraction of active entries, 0 to 1).
    Auto {
        /// The density below which the sparse path runs.
        break_even: f32,
    },
}

impl Default for Propagation {
    fn default() -> Self {
        Propagation::Auto { break_even: DEFAULT_BREAK_EVEN }
    }
}

/// Options of [`spike_propagate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct PropagateOptions {
    /// Sparse, dense, or chosen from the measured density.
    pub mode: Propagation,
    /// Spikes must be exactly 0 or 1: checked on every call by the kernel that bit-packs them
    /// (one small device read); a negative, NaN or graded value is an error naming `spikes`.
    /// In exchange, autodiff keeps the spikes for dL/dW bit-packed (1 bit each instead of 32 in
    /// f32), on the sparse and the dense path.
    pub binary: bool,
}

/// What a call decided (returned by [`spike_propagate_with_report`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PropagateReport {
    /// Fraction of non-zero spikes, when it was measured (Auto mode or binary checking).
    pub density: Option<f32>,
    /// Whether the sparse kernels ran.
    pub sparse: bool,
}

/// `spikes [rows, N_in] · weight [N_in, N_out] (+ bias [N_out])`.
pub fn spike_propagate(spikes: Tensor<2>, weight: Tensor<2>, bias: Option<Tensor<1>>, options: PropagateOptions) -> Result<Tensor<2>> {
    spike_propagate_with_report(spikes, weight, bias, options).map(|(output, _)| output)
}

/// [`spike_propagate`], also saying which path ran and the measured density.
pub fn spike_propagate_with_report(
    spikes: Tensor<2>,
    weight: Tensor<2>,
    bias: Option<Tensor<1>>,
    options: PropagateOptions,
) -> Result<(Tensor<2>, PropagateReport)> {
    let [rows, inputs] = spikes.dims();
    let [weight_inputs, outputs] = weight.dims();
    validate(&spikes, &weight, bias.as_ref(), options.mode)?;
    if let Propagation::Auto { break_even } = options.mode {
        if !(0.0..=1.0).contains(&break_even) {
            return Err(NeuroError::Range { argument: "break_even", value: break_even.to_string(), expected: "a density in [0, 1]".into() });
        }
    }
    debug_assert_eq!(inputs, weight_inputs);

    // Binary mode packs the spikes (what its backward keeps) and counts active and invalid
    // entries in the same pass; Auto mode alone counts with tensor ops. Either is one read.
    let packed = options.binary.then(|| {
        let (packed, counts) = Dispatch::spike_pack(spikes.clone().into_dispatch());
        let counts: Vec<u32> = Tensor::<1>::from_dispatch(counts).into_data().iter::<f32>().map(f32::to_bits).collect();
        (packed, counts[0] as usize, counts[1] as usize)
    });
    let density = match &packed {
        Some((_, active, invalid)) => {
            if *invalid > 0 {
                return Err(NeuroError::Range {
                    argument: "spikes",
                    value: format!("{invalid} entries that are neither 0 nor 1"),
                    expected: "binary spikes (0 or 1; negative, NaN and graded values are rejected in binary mode)".into(),
                });
            }
            Some(*active as f32 / (rows * inputs) as f32)
        }
        None if matches!(options.mode, Propagation::Auto { .. }) => Some(active_count(&spikes) as f32 / (rows * inputs) as f32),
        None => None,
    };
    let sparse = match options.mode {
        Propagation::Sparse => true,
        Propagation::Dense => false,
        Propagation::Auto { break_even } => density.is_some_and(|d| d < break_even),
    };
    // The sparse kernels skip inputs that did not spike, so a non-finite weight in such a row
    // never reaches the sum, where the dense product gives 0·NaN = NaN. Under the non-finite
    // policy both agree: `0·W` summed over inputs is 0 for a finite column and NaN otherwise,
    // added to the sparse output (one pass over W, a 1/rows share of the dense product's work).
    let poison = sparse.then(|| weight.clone().detach().mul_scalar(0.0).sum_dim(0));
    let output = match packed {
        // Checked binary: whichever path runs, the backward keeps the spikes as bits.
        Some((packed, _, _)) => {
            Tensor::from_dispatch(Dispatch::spike_propagate_packed(spikes.into_dispatch(), packed, weight.into_dispatch(), sparse))
        }
        None if sparse => Tensor::from_dispatch(Dispatch::spike_propagate(spikes.into_dispatch(), weight.into_dispatch())),
        None => spikes.matmul(weight),
    };
    let output = match poison {
        Some(poison) => output + poison,
        None => output,
    };
    let output = match bias {
        Some(bias) => output + bias.reshape([1, outputs]),
        None => output,
    };
    Ok((output, PropagateReport { density, sparse }))
}

fn validate(spikes: &Tensor<2>, weight: &Tensor<2>, bias: Option<&Tensor<1>>, mode: Propagation) -> Result<()> {
    let device = spikes.device();
    compute_path(&device)?;
    let [rows, inputs] = spikes.dims();
    let [weight_inputs, outputs] = weight.dims();
    if rows == 0 || inputs == 0 {
        return Err(NeuroError::Shape { argument: "spikes", actual: vec![rows, inputs], expected: "[rows, N_in] with rows, N_in >= 1".into() });
    }
    if weight_inputs != inputs || outputs == 0 {
        return Err(NeuroError::Shape {
            argument: "weight",
            actual: vec![weight_inputs, outputs],
            expected: format!("[{inputs}, N_out] with N_out >= 1 (N_in from `spikes`)"),
        });
    }
    if let Some(bias) = bias {
        if bias.dims() != [outputs] {
            return Err(NeuroError::Shape { argument: "bias", actual: bias.dims().to_vec(), expected: format!("[{outputs}] (N_out of `weight`)") });
        }
    }
    check_storage_dtype(&device, "spikes", spikes.dtype())?;
    for (argument, tensor_dtype, tensor_device) in
        [("weight", weight.dtype(), weight.device())].into_iter().chain(bias.map(|b| ("bias", b.dtype(), b.device())))
    {
        if tensor_dtype != spikes.dtype() {
            return Err(NeuroError::DType {
                argument,
                actual: format!("{tensor_dtype:?}"),
                expected: format!("{:?} (the dtype of `spikes`)", spikes.dtype()),
            });
        }
        if tensor_device != device {
            return Err(NeuroError::Device(format!("`{argument}` is on another device than `spikes`")));
        }
    }
    if let Some(limit) = max_binding_bytes(&device) {
        let elem = spikes.dtype().size() as u64;
        let operands = [rows * inputs, inputs * outputs, rows * outputs].into_iter().max().unwrap_or(0) as u64 * elem;
        // The sparse kernels' u32 list of active inputs has one slot per spike: twice the
        // spikes' bytes in f16.
        let active_list = if mode == Propagation::Dense { 0 } else { (rows * inputs) as u64 * 4 };
        let largest = operands.max(active_list);
        if largest > limit {
            return Err(NeuroError::TooLarge {
                argument: "spikes",
                detail: format!("a {largest}-byte operand exceeds this adapter's {limit}-byte binding limit"),
            });
        }
    }
    Ok(())
}

/// Non-zero entries (NaN included), with one device read.
fn active_count(spikes: &Tensor<2>) -> usize {
    let active: Tensor<1, Int> = spikes.clone().not_equal_elem(0.0).int().sum();
    active.into_data().iter::<i64>().next().unwrap_or(0) as usize
}
