//! The benchmark cases: device ceilings, then each kernel family against its baseline,
//! measured side by side on one device.

use burn::backend::Dispatch;
use burn::tensor::{DType, Device, Tensor, TensorData};

use super::measure::{Samples, Stats, Warmup, sample};
use super::record::{BenchResult, Comparison, Rates, Work};
use crate::backend::{NeuronOps, ProbeOps};
use crate::kernels::ceilings::fma_flops;
use crate::ops::lif_composite::lif_composite;
use crate::ops::spike_propagate::{PropagateOptions, Propagation, spike_propagate};
use crate::analog::config::ReadNoise;
use crate::analog::{CrossbarConfig, ProgrammedCrossbar};
use crate::{LifNeuron, LifSpec, SavedState, lif};

/// Sizes and sample counts.
#[derive(Debug, Clone)]
pub struct SuiteConfig {
    pub quick: bool,
    pub samples: usize,
    pub warmup: Warmup,
    /// Neurons for the LIF cases.
    pub lif_neurons: usize,
    pub lif_steps: Vec<usize>,
    /// Rows and N_in = N_out for propagation.
    pub propagate_rows: usize,
    pub propagate_size: usize,
    pub densities: Vec<f64>,
    /// Open Neuromorphic harness (Linear + Leaky, batch 16): time steps and layer widths.
    pub harness_steps: usize,
    pub harness_sizes: Vec<usize>,
    /// Crossbar VMM: batch and square sizes.
    pub crossbar_batch: usize,
    pub crossbar_sizes: Vec<usize>,
    /// Elements moved by the copy probe, invocations of the FMA probe.
    pub copy_elements: usize,
    pub fma_invocations: usize,
}

impl SuiteConfig {
    /// Small sizes that finish in about a minute on a software adapter.
    pub fn quick() -> Self {
        SuiteConfig {
            quick: true,
            samples: 15,
            warmup: Warmup::default(),
            lif_neurons: 16_384,
            lif_steps: vec![8, 32],
            propagate_rows: 128,
            propagate_size: 1024,
            densities: vec![0.005, 0.02, 0.05, 0.2],
            harness_steps: 50,
            harness_sizes: vec![256],
            crossbar_batch: 64,
            crossbar_sizes: vec![256],
            copy_elements: 1 << 20,
            fma_invocations: 1 << 14,
        }
    }

    /// Sizes for real GPUs (issue targets: LIF 1 Mi neurons, propagation 400 × 4096²).
    pub fn full() -> Self {
        SuiteConfig {
            quick: false,
            samples: 25,
            warmup: Warmup::default(),
            lif_neurons: 1 << 20,
            lif_steps: vec![8, 32],
            propagate_rows: 400,
            propagate_size: 4096,
            densities: vec![0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5],
            harness_steps: 500,
            harness_sizes: vec![4096, 16384],
            crossbar_batch: 256,
            crossbar_sizes: vec![512, 1024],
            copy_elements: 1 << 26,
            fma_invocations: 1 << 20,
        }
    }

    /// Number of cases [`run`] measures (for a progress bar).
    pub fn case_count(&self, f16: bool) -> usize {
        let dtypes = if f16 { 2 } else { 1 };
        2 + self.lif_steps.len() * dtypes * 3 + self.densities.len() * 2 + self.crossbar_sizes.len() * dtypes * 2 + self.harness_sizes.len() * 4
    }
}

/// Everything measured on one device.
pub struct SuiteOutcome {
    pub copy_peak_gb_per_s: f64,
    pub fma_peak_gflop_per_s: f64,
    pub results: Vec<BenchResult>,
    pub comparisons: Vec<Comparison>,
    pub break_even_density: Option<f64>,
}

struct Case<'a> {
    family: &'a str,
    variant: &'a str,
    pass: &'a str,
    shape: Vec<usize>,
    dtype: DType,
    params: Vec<(&'a str, f64)>,
    work: Work,
}

fn result(case: Case, samples: Samples, peaks: (f64, f64)) -> BenchResult {
    let stats = Stats::of(&samples.seconds);
    let per_s = |amount: f64| amount / stats.median;
    let gb_per_s = per_s(case.work.bytes) / 1e9;
    let gflop_per_s = per_s(case.work.flops) / 1e9;
    BenchResult {
        family: case.family.into(),
        variant: case.variant.into(),
        pass: case.pass.into(),
        shape: case.shape,
        dtype: format!("{:?}", case.dtype),
        params: case.params.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        samples,
        stats,
        work: case.work,
        rates: Rates {
            gb_per_s,
            gflop_per_s,
            events_per_s: per_s(case.work.events),
            fraction_of_copy_peak: if peaks.0 > 0.0 { gb_per_s / peaks.0 } else { 0.0 },
            fraction_of_fma_peak: if peaks.1 > 0.0 { gflop_per_s / peaks.1 } else { 0.0 },
        },
        held_for_backward_bytes: None,
    }
}

/// Device bytes that `forward`'s output keeps alive (its autodiff graph's saved tensors and
/// itself) between the forward and the backward pass: BPTT's memory cost.
fn held_for_backward<T>(device: &Device, forward: impl Fn() -> T) -> Option<u64> {
    let before = crate::device::bytes_in_use(device)?;
    let output = forward();
    let after = crate::device::bytes_in_use(device)?;
    drop(output);
    Some(after.saturating_sub(before))
}

fn pattern(len: usize, scale: f32, offset: f32) -> Vec<f32> {
    (0..len).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 * scale + offset).collect()
}

fn spikes(rows: usize, inputs: usize, density: f64, device: &Device) -> Tensor<2> {
    let values: Vec<f32> = (0..rows * inputs)
        .map(|i| {
            let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            if (h as f64 / (1u64 << 24) as f64) < density { 1.0 } else { 0.0 }
        })
        .collect();
    Tensor::from_data(TensorData::new(values, [rows, inputs]), (device, DType::F32))
}

/// The two LIF kernels alone, without autodiff bookkeeping: forward, then backward from a
/// given gradient (no coefficient gradients), on a plain device.
fn lif_kernels(x: &Tensor<2>, grad: &Tensor<3>, initial: &Tensor<1>, coeffs: &Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let spec = LifSpec::snntorch_default();
    let model = crate::neuron::NeuronModel::LEAKY;
    let forward = Dispatch::lif_forward(x.clone().into_dispatch(), initial.clone().into_dispatch(), coeffs.clone().into_dispatch(), spec, model);
    let (grad_input, grad_coeffs) = Dispatch::lif_backward(
        x.clone().into_dispatch(),
        initial.clone().into_dispatch(),
        coeffs.clone().into_dispatch(),
        forward,
        grad.clone().into_dispatch(),
        spec,
        model,
        false,
    );
    (Tensor::from_dispatch(grad_input), Tensor::from_dispatch(grad_coeffs))
}

/// Runs every case on `device`, calling `progress` after each.
pub fn run(device: &Device, config: &SuiteConfig, mut progress: impl FnMut(&str)) -> SuiteOutcome {
    let plain = device.clone().without_autodiff();
    let autodiff = plain.clone().autodiff();
    let f16 = plain.supports_dtype(DType::F16);
    let (samples, warmup) = (config.samples, config.warmup);
    let mut results = Vec::new();
    let mut comparisons = Vec::new();

    // Ceilings.
    let source = Tensor::<1>::from_data(TensorData::new(pattern(config.copy_elements, 1.0, 0.0), [config.copy_elements]), (&plain, DType::F32));
    let copy = sample(&plain, warmup, samples, || Tensor::<1>::from_dispatch(Dispatch::probe_copy(source.clone().into_dispatch())));
    let copy_case = Case { family: "ceiling", variant: "copy", pass: "copy", shape: vec![config.copy_elements], dtype: DType::F32, params: vec![], work: Work { bytes: 8.0 * config.copy_elements as f64, ..Work::default() } };
    let copy_result = result(copy_case, copy, (0.0, 0.0));
    let copy_peak = copy_result.rates.gb_per_s;
    results.push(copy_result);
    progress("ceiling: copy");
    let fma = sample(&plain, warmup, samples, || Tensor::<1>::from_dispatch(Dispatch::probe_fma(source.clone().into_dispatch(), config.fma_invocations)));
    let fma_case = Case { family: "ceiling", variant: "fma", pass: "fma", shape: vec![config.fma_invocations], dtype: DType::F32, params: vec![], work: Work { flops: fma_flops(config.fma_invocations), ..Work::default() } };
    let fma_result = result(fma_case, fma, (0.0, 0.0));
    let fma_peak = fma_result.rates.gflop_per_s;
    results.push(fma_result);
    progress("ceiling: fma");
    let peaks = (copy_peak, fma_peak);

    // Fused LIF vs the same LIF as tensor ops; f16 vs f32.
    let neurons = config.lif_neurons;
    let dtypes: Vec<DType> = if f16 { vec![DType::F32, DType::F16] } else { vec![DType::F32] };
    let mut fused_times = Vec::new();
    for &dtype in &dtypes {
        for &steps in &config.lif_steps {
            let data = TensorData::new(pattern(steps * neurons, 1.2, -0.2), [steps, neurons]).convert_dtype(dtype);
            let x_plain = Tensor::<2>::from_data(data.clone(), (&plain, dtype));
            let grad = Tensor::<3>::ones([2, steps, neurons], (&plain, dtype));
            let zeros = Tensor::<1>::zeros([neurons], (&plain, dtype));
            let coeffs = Tensor::<2>::from_data(TensorData::new(vec![0.9f32, 1.0], [2, 1]), (&plain, DType::F32));
            let kernels = sample(&plain, warmup, samples, || lif_kernels(&x_plain, &grad, &zeros, &coeffs));
            let x = Tensor::<2>::from_data(data, (&autodiff, dtype)).require_grad();
            let neuron = LifNeuron::new(0.9);
            let fused = sample(&autodiff, warmup, samples, || {
                let out = lif(x.clone(), None, &neuron).expect("valid LIF call");
                (out.spikes.sum() + out.membrane.sum()).backward()
            });
            let beta = Tensor::<1>::full([neurons], 0.9, (&autodiff, dtype));
            let theta = Tensor::<1>::full([neurons], 1.0, (&autodiff, dtype));
            let initial = Tensor::<2>::zeros([1, neurons], (&autodiff, dtype));
            let composite = sample(&autodiff, warmup, samples, || {
                let (s, u) = lif_composite(x.clone(), initial.clone(), beta.clone(), theta.clone(), LifSpec::snntorch_default());
                (s.sum() + u.sum()).backward()
            });
            // The kernel pair must move X, S, U forward and S, U, dS, dU, dX backward. "kernels"
            // is that pair alone; "fused" and "tensor_ops" are whole autodiff steps (forward, a
            // sum loss, backward) with our op and with the same neuron as Burn tensor ops.
            let work = Work { bytes: 8.0 * (steps * neurons) as f64 * dtype.size() as f64, ..Work::default() };
            let case = |variant| Case { family: "lif", variant, pass: "forward+backward", shape: vec![steps, neurons], dtype, params: vec![("steps", steps as f64)], work };
            results.push(result(case("kernels"), kernels, peaks));
            let fused = result(case("fused"), fused, peaks);
            let composite = result(case("tensor_ops"), composite, peaks);
            comparisons.push(Comparison { name: format!("lif fused vs tensor ops, T={steps}, {dtype:?}"), speedup: composite.stats.median / fused.stats.median });
            fused_times.push((dtype, steps, fused.stats.median));
            results.push(fused);
            results.push(composite);
            progress(&format!("lif T={steps} {dtype:?}"));
        }
    }
    for &steps in &config.lif_steps {
        let time = |d: DType| fused_times.iter().find(|(dt, s, _)| *dt == d && *s == steps).map(|t| t.2);
        if let (Some(t32), Some(t16)) = (time(DType::F32), time(DType::F16)) {
            comparisons.push(Comparison { name: format!("lif fused f16 vs f32, T={steps}"), speedup: t32 / t16 });
        }
    }

    // Sparse vs dense propagation across a density sweep.
    let (rows, size) = (config.propagate_rows, config.propagate_size);
    let weight = Tensor::<2>::from_data(TensorData::new(pattern(size * size, 2.0, -1.0), [size, size]), (&plain, DType::F32));
    let mut sweep = Vec::new();
    for &density in &config.densities {
        let s = spikes(rows, size, density, &plain);
        let mut medians = [0.0; 2];
        for (slot, (variant, mode)) in [("sparse", Propagation::Sparse), ("dense", Propagation::Dense)].into_iter().enumerate() {
            let options = PropagateOptions { mode, binary: false };
            let timed = sample(&plain, warmup, samples, || spike_propagate(s.clone(), weight.clone(), None, options).expect("valid propagation"));
            // Sparse: spikes in, one weight row entry per event, output out. Dense: all of W.
            let events = density * (rows * size * size) as f64;
            let work = match mode {
                Propagation::Dense => Work {
                    bytes: 4.0 * (2.0 * (rows * size) as f64 + (size * size) as f64),
                    flops: 2.0 * (rows * size * size) as f64,
                    events,
                },
                _ => Work { bytes: 4.0 * (2.0 * (rows * size) as f64 + events), flops: 2.0 * events, events },
            };
            let case = Case { family: "spike_propagate", variant, pass: "forward", shape: vec![rows, size, size], dtype: DType::F32, params: vec![("density", density)], work };
            let measured = result(case, timed, peaks);
            medians[slot] = measured.stats.median;
            results.push(measured);
            progress(&format!("spike_propagate {variant} density {density}"));
        }
        let speedup = medians[1] / medians[0];
        comparisons.push(Comparison { name: format!("spike_propagate sparse vs dense, density {:.1}%", density * 100.0), speedup });
        sweep.push((density, speedup));
    }
    // Checked binary mode packs the spikes (what its backward keeps) and counts them in one
    // kernel, then reads two counters: its cost over the plain sparse path at the sparsest
    // density of the sweep.
    if let Some(&density) = config.densities.first() {
        let s = spikes(rows, size, density, &plain);
        let events = density * (rows * size * size) as f64;
        let mut medians = [0.0; 2];
        for (slot, (variant, binary)) in [("sparse", false), ("sparse_binary", true)].into_iter().enumerate() {
            let options = PropagateOptions { mode: Propagation::Sparse, binary };
            let timed = sample(&plain, warmup, samples, || spike_propagate(s.clone(), weight.clone(), None, options).expect("valid propagation"));
            let work = Work { bytes: 4.0 * (2.0 * (rows * size) as f64 + events), flops: 2.0 * events, events };
            let case = Case { family: "spike_propagate_binary", variant, pass: "forward", shape: vec![rows, size, size], dtype: DType::F32, params: vec![("density", density)], work };
            let measured = result(case, timed, peaks);
            medians[slot] = measured.stats.median;
            results.push(measured);
            progress(&format!("spike_propagate {variant} density {density}"));
        }
        comparisons.push(Comparison { name: format!("spike_propagate checked binary vs plain sparse, density {:.1}%", density * 100.0), speedup: medians[0] / medians[1] });
    }
    // Open Neuromorphic SNN harness: Linear(n → n) + Leaky over [T, 16, n], forward and
    // forward+backward, with our fused neuron and with the same neuron as tensor ops (an eager
    // snnTorch-style loop).
    for &n in &config.harness_sizes {
        let steps = config.harness_steps;
        let batch = 16;
        let data = TensorData::new(pattern(steps * batch * n, 1.0, 0.0).into_iter().map(|v| if v < 0.2 { 1.0f32 } else { 0.0 }).collect::<Vec<_>>(), [steps, batch, n]);
        let x = Tensor::<3>::from_data(data, (&autodiff, DType::F32));
        let weight = Tensor::<2>::from_data(TensorData::new(pattern(n * n, 0.1, -0.05), [n, n]), (&autodiff, DType::F32)).require_grad();
        let neuron = LifNeuron::new(0.9);
        let stacked_bytes = (2 * steps * batch * n * 4) as u64;
        if crate::device::max_binding_bytes(&plain).is_some_and(|limit| stacked_bytes > limit) {
            progress(&format!("harness n={n}: skipped (over this adapter's buffer limits)"));
            continue;
        }
        let beta = Tensor::<1>::full([batch * n], 0.9, &autodiff);
        let theta = Tensor::<1>::full([batch * n], 1.0, &autodiff);
        let zeros = Tensor::<2>::zeros([1, batch * n], &autodiff);
        let current = || x.clone().reshape([steps * batch, n]).matmul(weight.clone()).reshape([steps, batch * n]);
        let fused = || lif(current(), None, &neuron).expect("valid LIF call").spikes;
        // Memory-light BPTT: bit-packed spikes and f16 membranes saved for the backward.
        let compact_neuron = neuron.clone().with_spec(LifSpec { saved_state: SavedState::Compact, ..neuron.spec });
        let compact = || lif(current(), None, &compact_neuron).expect("valid LIF call").spikes;
        let eager = || lif_composite(current(), zeros.clone(), beta.clone(), theta.clone(), LifSpec::snntorch_default()).0;
        let flops = 2.0 * (steps * batch * n * n) as f64;
        let case = |variant, pass| Case { family: "snn_harness", variant, pass, shape: vec![steps, batch, n], dtype: DType::F32, params: vec![("steps", steps as f64)], work: Work { flops, ..Work::default() } };
        let timed = [
            ("fused", "forward", sample(&autodiff, warmup, samples, || fused().detach())),
            ("tensor_ops", "forward", sample(&autodiff, warmup, samples, || eager().detach())),
            ("fused", "forward+backward", sample(&autodiff, warmup, samples, || fused().sum().backward())),
            ("tensor_ops", "forward+backward", sample(&autodiff, warmup, samples, || eager().sum().backward())),
            ("fused_compact", "forward+backward", sample(&autodiff, warmup, samples, || compact().sum().backward())),
        ];
        let held = [
            ("fused", held_for_backward(&autodiff, fused)),
            ("tensor_ops", held_for_backward(&autodiff, eager)),
            ("fused_compact", held_for_backward(&autodiff, compact)),
        ];
        let mut medians = Vec::new();
        for (variant, pass, samples) in timed {
            let mut measured = result(case(variant, pass), samples, peaks);
            if pass == "forward+backward" {
                measured.held_for_backward_bytes = held.iter().find(|(v, _)| *v == variant).and_then(|(_, bytes)| *bytes);
            }
            medians.push(measured.stats.median);
            results.push(measured);
            progress(&format!("harness n={n} {variant} {pass}"));
        }
        comparisons.push(Comparison { name: format!("snn harness fused vs tensor-op neuron, forward, n={n}, T={steps}"), speedup: medians[1] / medians[0] });
        comparisons.push(Comparison { name: format!("snn harness fused vs tensor-op neuron, forward+backward, n={n}, T={steps}"), speedup: medians[3] / medians[2] });
        comparisons.push(Comparison { name: format!("snn harness compact vs full saved state, forward+backward, n={n}, T={steps}"), speedup: medians[2] / medians[4] });
    }

    // Crossbar VMM with every read-time non-ideality vs a plain matmul of the same shape.
    let crossbar_config = CrossbarConfig::rram().with_read_noise(ReadNoise::PcmRead(0.02)).with_seed(1);
    for &size in &config.crossbar_sizes {
        let weight = Tensor::<2>::from_data(TensorData::new(pattern(size * size, 1.0, -0.5), [size, size]), (&plain, DType::F32));
        let crossbar = ProgrammedCrossbar::program(weight.clone(), &crossbar_config).expect("valid crossbar");
        for &dtype in &dtypes {
            let batch = config.crossbar_batch;
            let x = Tensor::<2>::from_data(TensorData::new(pattern(batch * size, 2.0, -1.0), [batch, size]).convert_dtype(dtype), (&plain, dtype));
            let analog = sample(&plain, warmup, samples, || crossbar.read(x.clone()).expect("valid read"));
            let w = weight.clone().cast(dtype);
            let matmul = sample(&plain, warmup, samples, || x.clone().matmul(w.clone()));
            let flops = 2.0 * (batch * size * size) as f64;
            let case = |variant| Case {
                family: "crossbar",
                variant,
                pass: "forward",
                shape: vec![batch, size, size],
                dtype,
                params: vec![],
                work: Work { bytes: 4.0 * (2 * size * size) as f64 + (2 * batch * size) as f64 * dtype.size() as f64, flops, events: 0.0 },
            };
            let analog = result(case("analog_vmm"), analog, peaks);
            let matmul = result(case("matmul"), matmul, peaks);
            comparisons.push(Comparison { name: format!("crossbar VMM (rram, all effects) vs matmul time, {size}x{size}, {dtype:?}"), speedup: matmul.stats.median / analog.stats.median });
            results.push(analog);
            results.push(matmul);
            progress(&format!("crossbar {size} {dtype:?}"));
        }
    }

    SuiteOutcome {
        copy_peak_gb_per_s: copy_peak,
        fma_peak_gflop_per_s: fma_peak,
        results,
        comparisons,
        break_even_density: break_even(&sweep),
    }
}

/// Density where the sparse speedup crosses 1, interpolated in log density.
pub fn break_even(sweep: &[(f64, f64)]) -> Option<f64> {
    sweep.windows(2).find_map(|w| {
        let ((d0, s0), (d1, s1)) = (w[0], w[1]);
        (s0 >= 1.0 && s1 < 1.0).then(|| {
            let t = s0.ln() / (s0.ln() - s1.ln());
            (d0.ln() + t * (d1.ln() - d0.ln())).exp()
        })
    })
}
