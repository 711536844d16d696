//! Out-of-bounds safety where there is no robust buffer access (Metal; Burn compiles our WGSL
//! with bounds checks off everywhere): every kernel family runs with each buffer it allocates
//! carved out of a larger one between guard bytes, and with its outputs poisoned before launch,
//! on shapes that are not multiples of the workgroup size. Every guard must survive, and every
//! output must equal the CPU path's (a poisoned element left unwritten would be NaN).
//!
//! Runs on whatever API the test device is on (`BURN_NEURO_TEST_API`, see `kernels_tests::gpu`):
//! CI runs it on Vulkan and on GL.

use burn::tensor::{DType, Device, Tensor};
use burn_neuro::analog::config::{Drift, ProgrammingNoise, ReadNoise};
use burn_neuro::analog::pulsed::{DeviceArray, PulsedDevice};
use burn_neuro::analog::{CrossbarConfig, ProgrammedCrossbar};
use burn_neuro::kernels::canary::watch;
use burn_neuro::ops::lapicque::{LapicqueNeuron, lapicque};
use burn_neuro::ops::mif::{MifParams, mif};
use burn_neuro::ops::recurrent::rleaky_all_to_all;
use burn_neuro::ops::spike_propagate::{PropagateOptions, Propagation, spike_propagate};
use burn_neuro::snn::spikegen::{RateOptions, rate};
use burn_neuro::{Neuron, NeuronOutput, SavedState, neuron_forward};
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};

/// Runs `family` on the test GPU with every kernel buffer guarded and on the CPU path: the
/// guards must survive and the GPU's outputs must match the CPU's within `tolerance`.
fn check(name: &str, tolerance: f32, family: impl Fn(&Device) -> Vec<Vec<f32>>) {
    let (on_gpu, report) = watch(|| family(&gpu()));
    assert!(report.buffers > 0, "{name}: no kernel buffer was allocated under the watch");
    assert!(report.violations.is_empty(), "{name}: writes outside the kernel's buffers: {:?}", report.violations);
    let on_cpu = family(&cpu());
    assert_eq!(on_gpu.len(), on_cpu.len(), "{name}: output count");
    for (i, (g, c)) in on_gpu.iter().zip(&on_cpu).enumerate() {
        assert!(g.iter().all(|v| !v.is_nan()), "{name}: output {i} holds NaN (an element left unwritten?)");
        assert_close(g, c, tolerance, tolerance, &format!("{name}: output {i}"));
    }
}

/// Every plane of a neuron's output, then dL/dX for a weighted sum of spikes and membrane.
fn neuron_planes_and_gradient(device: &Device, steps: usize, neurons: usize, run: impl Fn(Tensor<2>) -> NeuronOutput<2>) -> Vec<Vec<f32>> {
    let device = device.clone().autodiff();
    let x = tensor(uniform(steps * neurons, 1, -0.5, 1.5), [steps, neurons], DType::F32, &device).require_grad();
    let out = run(x.clone());
    let weights = |seed| tensor(uniform(steps * neurons, seed, -1.0, 1.0), [steps, neurons], DType::F32, &device);
    let loss = (out.spikes.clone() * weights(2)).sum() + (out.membrane.clone() * weights(3)).sum();
    let grads = loss.backward();
    let mut planes = vec![values(out.spikes), values(out.membrane)];
    planes.extend([out.synaptic, out.excitatory, out.inhibitory].into_iter().flatten().map(values));
    planes.push(values(x.grad(&grads).expect("dL/dX")));
    planes
}

#[test]
fn neuron_kernels_stay_inside_their_buffers() {
    let models = [
        ("leaky", Neuron::leaky(0.9)),
        ("synaptic", Neuron::synaptic(0.8, 0.9)),
        ("alpha", Neuron::alpha(0.9, 0.8)),
        ("rleaky", Neuron::rleaky(0.9).with_recurrent_weight(0.5)),
        ("rsynaptic", Neuron::rsynaptic(0.8, 0.9).with_recurrent_weight(-0.3)),
        ("leaky, compact saved state", {
            let mut neuron = Neuron::leaky(0.9);
            neuron.spec.saved_state = SavedState::Compact;
            neuron
        }),
    ];
    for (name, neuron) in models {
        for neurons in [1, 257, 1000] {
            check(&format!("{name}, {neurons} neurons"), 1e-5, |device| {
                neuron_planes_and_gradient(device, 5, neurons, |x| neuron_forward(x, None, &neuron).expect("valid call"))
            });
        }
    }
    let lapicque_neuron = LapicqueNeuron::from_beta(0.9);
    check("lapicque, 300 neurons", 1e-5, |device| {
        neuron_planes_and_gradient(device, 4, 300, |x| lapicque(x, None, &lapicque_neuron).expect("valid call"))
    });
}

#[test]
fn all_to_all_recurrence_stays_inside_its_buffers() {
    let (steps, batch, neurons) = (4, 3, 70);
    check("rleaky all-to-all", 1e-4, |device| {
        let device = device.clone().autodiff();
        let x = tensor(uniform(steps * batch * neurons, 4, -0.5, 1.5), [steps, batch, neurons], DType::F32, &device).require_grad();
        let v = tensor(uniform(neurons * neurons, 5, -0.2, 0.2), [neurons, neurons], DType::F32, &device).require_grad();
        let out = rleaky_all_to_all(x.clone(), v.clone(), &Neuron::rleaky(0.9)).expect("valid call");
        let grads = out.membrane.clone().sum().backward();
        vec![values(out.spikes), values(out.membrane), values(x.grad(&grads).expect("dX")), values(v.grad(&grads).expect("dV"))]
    });
}

#[test]
fn spike_propagation_stays_inside_its_buffers() {
    let (rows, inputs, outputs) = (30, 300, 70);
    // Dense without bit-packing is Burn's matmul: none of our kernels run.
    for (mode, binary) in [(Propagation::Sparse, false), (Propagation::Sparse, true), (Propagation::Dense, true)] {
        {
            check(&format!("spike_propagate {mode:?} binary={binary}"), 1e-4, |device| {
                let device = device.clone().autodiff();
                let s: Vec<f32> = uniform(rows * inputs, 6, 0.0, 1.0).iter().map(|u| if *u < 0.1 { 1.0 } else { 0.0 }).collect();
                let s = tensor(s, [rows, inputs], DType::F32, &device).require_grad();
                let w = tensor(uniform(inputs * outputs, 7, -1.0, 1.0), [inputs, outputs], DType::F32, &device).require_grad();
                let b = tensor(uniform(outputs, 8, -1.0, 1.0), [outputs], DType::F32, &device).require_grad();
                let y = spike_propagate(s.clone(), w.clone(), Some(b.clone()), PropagateOptions { mode, binary }).expect("valid call");
                let weights = tensor(uniform(rows * outputs, 9, -1.0, 1.0), [rows, outputs], DType::F32, &device);
                let grads = (y.clone() * weights).sum().backward();
                vec![values(y), values(s.grad(&grads).expect("dS")), values(w.grad(&grads).expect("dW")), values(b.grad(&grads).expect("db"))]
            });
        }
    }
}

#[test]
fn rate_coding_stays_inside_its_buffers() {
    check("rate", 0.0, |device| {
        let p = tensor(uniform(3 * 333, 10, 0.0, 1.0), [3, 333], DType::F32, device);
        vec![values(rate::<2, 3>(p, 7, RateOptions { seed: Some(12), ..RateOptions::default() }).expect("valid call"))]
    });
}

#[test]
fn crossbar_kernels_stay_inside_their_buffers() {
    let (batch, inputs, outputs) = (3, 150, 90);
    // Noise-free and tiled: the GPU and CPU paths agree to rounding.
    check("ideal tiled crossbar, read and transposed read", 1e-4, |device| {
        let device = device.clone().autodiff();
        let w = tensor(uniform(inputs * outputs, 11, -1.0, 1.0), [inputs, outputs], DType::F32, &device);
        let config = CrossbarConfig::ideal().with_tile_rows(64).with_tile_cols(50);
        let crossbar = ProgrammedCrossbar::program(w, &config).expect("programs");
        let x = tensor(uniform(batch * inputs, 12, -1.0, 1.0), [batch, inputs], DType::F32, &device).require_grad();
        let y = crossbar.read(x.clone()).expect("reads");
        let dy = tensor(uniform(batch * outputs, 13, -1.0, 1.0), [batch, outputs], DType::F32, &device);
        let grads = (y.clone() * dy).sum().backward();
        vec![values(y), values(x.grad(&grads).expect("dX"))]
    });
    // Every effect, traces and drift: values are compared where the paths agree exactly
    // (programming and drift); the noisy read only has to fill its outputs and keep its guards.
    let config = CrossbarConfig::rram()
        .with_levels(Some(16))
        .with_programming_noise(ProgrammingNoise::PcmPolynomial(1.0))
        .with_read_noise(ReadNoise::PcmRead(0.02))
        .with_stuck_at_min(0.02)
        .with_drift(Some(Drift { time: 3600.0, t0: 20.0, scale: 1.0, compensation: true }))
        .with_tile_rows(64)
        .with_tile_cols(50)
        .with_seed(14);
    check("noisy crossbar, program and drift", 1e-4, |device| {
        let w = tensor(uniform(inputs * outputs, 15, -1.0, 1.0), [inputs, outputs], DType::F32, device);
        let crossbar = ProgrammedCrossbar::program(w, &config).expect("programs");
        let later = crossbar.drift_to(86_400.0, 2).expect("drifts");
        vec![values(crossbar.planes()), values(later.planes())]
    });
    let (read, report) = watch(|| {
        let device = gpu();
        let w = tensor(uniform(inputs * outputs, 15, -1.0, 1.0), [inputs, outputs], DType::F32, &device);
        let crossbar = ProgrammedCrossbar::program(w, &config).expect("programs");
        let x = tensor(uniform(batch * inputs, 16, -1.0, 1.0), [batch, inputs], DType::F32, &device);
        let (y, traces) = crossbar.read_with_traces(x).expect("reads");
        let planes = [traces.power, traces.current, traces.passes].map(values);
        let totals = [traces.energy, traces.array_energy, traces.duration].map(values);
        [vec![values(y)], planes.to_vec(), totals.to_vec()].concat()
    });
    assert!(report.buffers > 0 && report.violations.is_empty(), "noisy read with traces: {report:?}");
    for (i, plane) in read.iter().enumerate() {
        assert!(!plane.is_empty() && plane.iter().all(|v| v.is_finite()), "noisy read output {i} has unwritten or non-finite elements");
    }
}

#[test]
fn pulsed_updates_stay_inside_their_buffers() {
    for devices in [1, 1000] {
        check(&format!("pulsed update, {devices} devices"), 1e-6, |device| {
            let model = PulsedDevice::preset("reram-es").expect("a preset");
            let w0 = tensor(uniform(devices, 17, -0.8, 0.8), [devices], DType::F32, device);
            let mut array = DeviceArray::program(w0, &model, 18).expect("programs");
            let counts: Vec<f32> = uniform(devices, 19, -4.99, 4.99).iter().map(|c| c.trunc()).collect();
            array.apply(tensor(counts, [devices], DType::F32, device)).expect("valid pulses");
            vec![values(array.held_weights::<1>()), values(array.weights::<1>()), values(array.writes::<1>())]
        });
    }
}

#[test]
fn mif_kernels_stay_inside_their_buffers() {
    for (steps, neurons) in [(1, 1), (6, 300)] {
        check(&format!("mif, T = {steps}, {neurons} neurons"), 1e-4, |device| {
            let device = device.clone().autodiff();
            let x = tensor(uniform(steps * neurons, 21, -0.05, 0.2), [steps, neurons], DType::F32, &device).require_grad();
            let out = mif(x.clone(), None, &MifParams::default()).expect("valid call");
            let grads = (out.trajectory.clone()
                * tensor(uniform((steps + 1) * 5 * neurons, 22, -1.0, 1.0), [steps + 1, 5, neurons], DType::F32, &device))
            .sum()
            .backward();
            vec![values(out.trajectory), values(x.grad(&grads).expect("dL/dinput"))]
        });
    }
}

/// f16 kernels where the adapter has `SHADER_F16`; on one without (GL, DX12 without DXC) the
/// call is refused with the one-line error, never run as f32 or left to fail in the driver.
#[test]
fn f16_runs_guarded_or_is_refused_with_the_missing_capability() {
    let device = gpu().autodiff();
    // 5 × 301: an odd number of f16 values, so the buffers end mid-word.
    let x = tensor(uniform(5 * 301, 20, -0.5, 1.5), [5, 301], DType::F16, &device).require_grad();
    if burn_neuro::device::check_storage_dtype(&device, "input", DType::F16).is_ok() {
        let (planes, report) = watch(|| {
            let out = neuron_forward(x.clone(), None, &Neuron::leaky(0.9)).expect("valid call");
            let grads = (out.spikes.clone().cast(DType::F32).sum() + out.membrane.clone().cast(DType::F32).sum()).backward();
            [values(out.membrane), values(x.grad(&grads).expect("dL/dX").cast(DType::F32))]
        });
        assert!(report.buffers > 0 && report.violations.is_empty(), "f16 leaky forward and backward: {report:?}");
        assert!(planes.iter().flatten().all(|v| v.is_finite()), "f16 outputs left unwritten");
    } else {
        let Err(error) = neuron_forward(x, None, &Neuron::leaky(0.9)) else { panic!("f16 ran on an adapter without SHADER_F16") };
        let error = error.to_string();
        assert!(error.contains("SHADER_F16") && error.contains("input"), "{error}");
    }
}
