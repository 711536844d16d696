//! Event-driven spike propagation: equal to the dense matmul and to the CPU reference across
//! densities and awkward shapes, same gradients as the dense path, deterministic, clear errors.

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::NeuroError;
use burn_neuro::ops::spike_propagate::{PropagateOptions, Propagation, spike_propagate, spike_propagate_with_report};
use burn_neuro::reference::{Storage, spike_propagate as reference};
use burn_neuro::snn::{LeakyConfig, SpikingLinear, SpikingLinearConfig};
use kernels_tests::{assert_close, cpu, f16_or_skip, float_dtypes, gpu, tensor, to_f16_values, uniform, values};

const SPARSE: PropagateOptions = PropagateOptions { mode: Propagation::Sparse, binary: false };
const DENSE: PropagateOptions = PropagateOptions { mode: Propagation::Dense, binary: false };

/// Binary spikes with the given density (deterministic).
fn spikes(rows: usize, inputs: usize, density: f32, seed: u64) -> Vec<f32> {
    uniform(rows * inputs, seed, 0.0, 1.0).into_iter().map(|u| if u < density { 1.0 } else { 0.0 }).collect()
}

/// Σ|s·w| per output: the scale rounding differences are measured against.
fn magnitude(s: &[f32], w: &[f32], rows: usize, inputs: usize, outputs: usize) -> f32 {
    let abs_w: Vec<f32> = w.iter().map(|v| v.abs()).collect();
    let abs_s: Vec<f32> = s.iter().map(|v| v.abs()).collect();
    reference::spike_propagate(Storage::F32, &abs_s, rows, inputs, &abs_w, outputs).into_iter().fold(1.0, f32::max)
}

fn check_forward(device: &Device, rows: usize, inputs: usize, outputs: usize, density: f32, dtype: DType) {
    let round = |v: Vec<f32>| if dtype == DType::F16 { to_f16_values(&v) } else { v };
    let s = spikes(rows, inputs, density, (rows * 7 + inputs) as u64);
    let w = round(uniform(inputs * outputs, 99, -1.0, 1.0));
    let storage = if dtype == DType::F16 { Storage::F16 } else { Storage::F32 };
    let what = format!("{rows}×{inputs}→{outputs} density {density} {dtype:?}");

    let sparse = values(
        spike_propagate(tensor(s.clone(), [rows, inputs], dtype, device), tensor(w.clone(), [inputs, outputs], dtype, device), None, SPARSE)
            .expect("valid"),
    );
    let expected = reference::spike_propagate(storage, &s, rows, inputs, &w, outputs);
    let (atol, rtol) = if dtype == DType::F16 { (2e-3, 2e-3) } else { (1e-6, 1e-6) };
    assert_close(&sparse, &expected, atol, rtol, &format!("sparse vs reference, {what}"));

    if dtype == DType::F32 {
        let dense = values(
            spike_propagate(tensor(s.clone(), [rows, inputs], dtype, device), tensor(w.clone(), [inputs, outputs], dtype, device), None, DENSE)
                .expect("valid"),
        );
        // Relative to the size of the terms summed: the two paths add in different orders.
        let scale = magnitude(&s, &w, rows, inputs, outputs);
        assert_close(&sparse, &dense, 1e-6 * scale, 1e-6, &format!("sparse vs dense matmul, {what}"));
    }
}

#[test]
fn sparse_equals_dense_and_reference_across_densities() {
    let device = gpu();
    for density in [0.0, 0.001, 0.01, 0.1, 0.5, 1.0] {
        check_forward(&device, 40, 1000, 300, density, DType::F32);
    }
}

#[test]
fn awkward_shapes_and_f16() {
    let device = gpu();
    check_forward(&device, 1, 1, 1, 1.0, DType::F32);
    check_forward(&device, 1, 300, 257, 0.1, DType::F32); // one row, N_in and N_out off the workgroup
    check_forward(&device, 7, 513, 5, 0.3, DType::F32);
    if f16_or_skip(&device, "f16 propagation") {
        check_forward(&device, 25, 300, 300, 0.05, DType::F16);
    }
    check_forward(&cpu(), 5, 70, 9, 0.2, DType::F32);
}

#[test]
fn graded_spikes_count_as_active_with_their_value() {
    let device = gpu();
    let s = vec![0.0, 0.5, -2.0, 0.0, 0.0, 3.0];
    let w = uniform(3 * 4, 5, -1.0, 1.0);
    let got = values(
        spike_propagate(tensor(s.clone(), [2, 3], DType::F32, &device), tensor(w.clone(), [3, 4], DType::F32, &device), None, SPARSE).expect("valid"),
    );
    assert_close(&got, &reference::spike_propagate(Storage::F32, &s, 2, 3, &w, 4), 1e-6, 1e-6, "graded");
}

#[test]
fn more_than_65535_workgroups() {
    let device = gpu();
    // 70,000 rows × 1 column block: the launch folds into a 2-D grid.
    check_forward(&device, 70_000, 6, 3, 0.5, DType::F32);
}

#[test]
fn outputs_are_bit_identical_across_runs() {
    let device = gpu();
    let (rows, inputs, outputs) = (16, 2000, 300);
    let s = tensor(spikes(rows, inputs, 0.2, 3), [rows, inputs], DType::F32, &device);
    let w = tensor(uniform(inputs * outputs, 4, -1.0, 1.0), [inputs, outputs], DType::F32, &device);
    let first = values(spike_propagate(s.clone(), w.clone(), None, SPARSE).expect("valid"));
    for _ in 0..3 {
        let again = values(spike_propagate(s.clone(), w.clone(), None, SPARSE).expect("valid"));
        assert!(first.iter().zip(&again).all(|(a, b)| a.to_bits() == b.to_bits()), "runs differ");
    }
}

/// Gradients w.r.t. spikes, weight and bias of a weighted sum of the output.
fn gradients(device: &Device, options: PropagateOptions, density: f32) -> [Vec<f32>; 3] {
    let (rows, inputs, outputs) = (30, 300, 70);
    let device = device.clone().autodiff();
    let s = tensor(spikes(rows, inputs, density, 8), [rows, inputs], DType::F32, &device).require_grad();
    let w = tensor(uniform(inputs * outputs, 9, -1.0, 1.0), [inputs, outputs], DType::F32, &device).require_grad();
    let b = tensor(uniform(outputs, 10, -1.0, 1.0), [outputs], DType::F32, &device).require_grad();
    let weights = tensor(uniform(rows * outputs, 11, -1.0, 1.0), [rows, outputs], DType::F32, &device);
    let y = spike_propagate(s.clone(), w.clone(), Some(b.clone()), options).expect("valid");
    let grads = (y * weights).sum().backward();
    [values(s.grad(&grads).expect("dS")), values(w.grad(&grads).expect("dW")), values(b.grad(&grads).expect("db"))]
}

#[test]
fn gradients_equal_the_dense_path() {
    for device in [gpu(), cpu()] {
        for density in [0.0, 0.02, 0.3] {
            let sparse = gradients(&device, SPARSE, density);
            let dense = gradients(&device, DENSE, density);
            for (name, (a, b)) in ["spikes", "weight", "bias"].iter().zip(sparse.iter().zip(&dense)) {
                assert_close(a, b, 1e-5, 1e-5, &format!("dL/d{name}, density {density}, {device:?}"));
            }
        }
    }
}

/// Checked binary spikes: the backward rebuilds them from bits, and every gradient equals the
/// unpacked path's, sparse and dense, on the GPU and the CPU.
#[test]
fn binary_mode_gradients_from_packed_spikes_equal_the_plain_path() {
    for device in [gpu(), cpu()] {
        for density in [0.0, 0.02, 0.3, 1.0] {
            for mode in [Propagation::Sparse, Propagation::Dense] {
                let plain = gradients(&device, PropagateOptions { mode, binary: false }, density);
                let packed = gradients(&device, PropagateOptions { mode, binary: true }, density);
                for (name, (a, b)) in ["spikes", "weight", "bias"].iter().zip(packed.iter().zip(&plain)) {
                    assert_eq!(a, b, "dL/d{name}, {mode:?}, density {density}, {device:?}");
                }
            }
        }
    }
}

#[test]
fn packing_round_trips_and_matches_the_reference() {
    use burn::backend::Dispatch;
    use burn_neuro::backend::SpikePropagateOps;
    use burn_neuro::reference::spike_propagate::{pack_rows, spike_counts, unpack_rows};
    let device = gpu();
    // One spike; odd widths around a word and a workgroup; > 65,535 workgroups (70,000 rows).
    for (rows, columns) in [(1, 1), (3, 31), (5, 33), (2, 257), (7, 1000), (70_000, 40)] {
        for dtype in float_dtypes(&device) {
            let mut s = spikes(rows, columns, 0.3, 12);
            // A few entries that binary mode must count as invalid (still active).
            if rows * columns > 40 {
                s[7] = 0.5;
                s[rows * columns - 2] = -1.0;
            }
            let (packed, counts) = Dispatch::spike_pack(tensor(s.clone(), [rows, columns], dtype, &device).into_dispatch());
            let words = values(Tensor::<2>::from_dispatch(packed.clone()));
            let words: Vec<u32> = words.iter().map(|w| w.to_bits()).collect();
            assert_eq!(words, pack_rows(&s, rows, columns), "{rows}×{columns} {dtype:?}");
            let counts: Vec<u32> = values(Tensor::<1>::from_dispatch(counts)).iter().map(|c| c.to_bits()).collect();
            let (active, invalid) = spike_counts(&s);
            assert_eq!(counts, vec![active, invalid], "{rows}×{columns} {dtype:?}");
            assert_eq!(invalid, if rows * columns > 40 { 2 } else { 0 });
            let s: Vec<f32> = s.iter().map(|v| if *v != 0.0 { 1.0 } else { 0.0 }).collect();
            let back = Tensor::<2>::from_dispatch(Dispatch::spike_unpack(packed, columns, dtype));
            assert_eq!(back.dtype(), dtype);
            assert_eq!(values(back), s, "{rows}×{columns} {dtype:?}");
            assert_eq!(unpack_rows(&words, rows, columns), s);
        }
    }
}

#[test]
fn auto_mode_goes_sparse_below_the_break_even_density() {
    let device = gpu();
    let w = tensor(uniform(100 * 10, 1, -1.0, 1.0), [100, 10], DType::F32, &device);
    let options = PropagateOptions { mode: Propagation::Auto { break_even: 0.2 }, binary: true };
    let quiet = tensor(spikes(20, 100, 0.05, 2), [20, 100], DType::F32, &device);
    let busy = tensor(spikes(20, 100, 0.6, 2), [20, 100], DType::F32, &device);
    let (_, report) = spike_propagate_with_report(quiet, w.clone(), None, options).expect("valid");
    assert!(report.sparse && report.density.is_some_and(|d| d > 0.0 && d < 0.2), "{report:?}");
    let (_, report) = spike_propagate_with_report(busy, w, None, options).expect("valid");
    assert!(!report.sparse && report.density.is_some_and(|d| d > 0.4), "{report:?}");
}

fn argument_of(error: NeuroError) -> String {
    match error {
        NeuroError::Shape { argument, .. } | NeuroError::DType { argument, .. } | NeuroError::Range { argument, .. } => argument.into(),
        other => panic!("expected an argument error, got {other}"),
    }
}

#[test]
fn bad_input_names_the_argument() {
    let device = gpu();
    let s = || tensor(vec![0.0; 6], [2, 3], DType::F32, &device);
    let w = tensor(vec![0.0; 8], [4, 2], DType::F32, &device);
    assert_eq!(argument_of(spike_propagate(s(), w, None, SPARSE).unwrap_err()), "weight");
    let w = || tensor(vec![0.0; 6], [3, 2], DType::F32, &device);
    let bias = tensor(vec![0.0; 3], [3], DType::F32, &device);
    assert_eq!(argument_of(spike_propagate(s(), w(), Some(bias), SPARSE).unwrap_err()), "bias");
    let w16 = tensor(vec![0.0; 6], [3, 2], DType::F16, &device);
    assert_eq!(argument_of(spike_propagate(s(), w16, None, SPARSE).unwrap_err()), "weight");
    let binary = PropagateOptions { mode: Propagation::Sparse, binary: true };
    for bad in [-1.0, f32::NAN, 0.5] {
        let s = tensor(vec![0.0, 1.0, bad, 0.0, 0.0, 1.0], [2, 3], DType::F32, &device);
        let err = spike_propagate(s, w(), None, binary).unwrap_err();
        assert!(err.to_string().contains("1 entries"), "{err}");
        assert_eq!(argument_of(err), "spikes", "value {bad}");
    }
    let bad_mode = PropagateOptions { mode: Propagation::Auto { break_even: 1.5 }, binary: false };
    assert_eq!(argument_of(spike_propagate(s(), w(), None, bad_mode).unwrap_err()), "break_even");
}

#[test]
fn spiking_linear_shares_linears_parameters_and_runs_after_leaky() {
    let device = gpu();
    let layer = SpikingLinearConfig::new(12, 5).init(&device);
    let linear = layer.clone().into_linear();
    let back = SpikingLinear::from_linear(linear.clone(), SPARSE);
    let neuron = LeakyConfig::new(0.8).init(&device).expect("valid");
    // Leaky spikes [T, B, 12] into the spiking layer, and into the plain Linear.
    let current = tensor(uniform(4 * 3 * 12, 6, 0.0, 1.5), [4, 3, 12], DType::F32, &device);
    let s = neuron.try_forward(current, None).expect("valid").spikes;
    let spiking: Tensor<3> = back.try_forward(s.clone()).expect("valid");
    let plain = linear.forward(s);
    assert_eq!(spiking.dims(), [4, 3, 5]);
    assert_close(&values(spiking), &values(plain), 1e-5, 1e-5, "SpikingLinear vs Linear");
}
