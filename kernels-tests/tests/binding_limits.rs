//! Buffers an op allocates after its inputs — a backward's gradients, an encoder's spike
//! trains, a crossbar read's traces, the sparse kernels' work list, a convolution's im2col
//! matrix — are checked against the adapter's binding limit before anything runs: a clear
//! `TooLarge` error naming the argument, not a panic at the next device read.

use std::sync::OnceLock;

use burn::nn::conv::Conv2dConfig;
use burn::tensor::{DType, Device, Tensor};
use burn_neuro::analog::{AnalogConv2d, CrossbarConfig, ProgrammedCrossbar};
use burn_neuro::ops::spike_propagate::{PropagateOptions, Propagation, spike_propagate};
use burn_neuro::snn::spikegen::{LatencyOptions, RateOptions, latency, rate};
use burn_neuro::{NeuroError, Neuron, neuron_forward};

/// Storage bindings stop at 8 MiB, so every check runs on any adapter with small inputs. One
/// device for the whole file.
fn small_bindings() -> (Device, u64) {
    static DEVICE: OnceLock<(Device, u64)> = OnceLock::new();
    DEVICE
        .get_or_init(|| {
            const LIMIT: u64 = 8 << 20;
            let device = kernels_tests::custom_gpu(
                "small-bindings",
                |f| f,
                |l| burn::tensor::wgpu::wgpu::Limits { max_storage_buffer_binding_size: LIMIT, ..l },
            );
            let limit = burn_neuro::device::max_binding_bytes(&device).expect("a GPU device has a limit");
            assert!(limit <= LIMIT, "the device reports its reduced limit ({limit} bytes)");
            (device, limit)
        })
        .clone()
}

#[track_caller]
fn assert_too_large<T>(result: burn_neuro::Result<T>, argument: &str, what: &str) {
    match result {
        Err(NeuroError::TooLarge { argument: named, detail }) => {
            assert_eq!(named, argument, "{what}: {detail}");
            assert!(detail.contains("binding limit"), "{what}: {detail}");
        }
        Err(other) => panic!("{what}: expected TooLarge naming `{argument}`, got {other}"),
        Ok(_) => panic!("{what}: expected TooLarge naming `{argument}`, got Ok"),
    }
}

#[test]
fn a_recurrent_step_whose_gradient_would_not_fit_is_refused_up_front() {
    let (device, limit) = small_bindings();
    // RLeaky, one step: the [S | U] output holds 2·N values, but the backward's gradient of the
    // input and both initial states holds 3·N (and its coefficient gradients 3·N in f32).
    let neurons = (limit / 12 + 1) as usize;
    assert!((2 * neurons * 4) as u64 <= limit, "the output alone fits");
    let input = Tensor::<2>::zeros([1, neurons], (&device, DType::F32));
    assert_too_large(neuron_forward(input, None, &Neuron::rleaky(0.9)), "input", "RLeaky step");
}

#[test]
fn encoders_refuse_spike_trains_over_the_limit() {
    let (device, limit) = small_bindings();
    let neurons = 1024;
    let steps = (limit / (neurons as u64 * 4) + 1) as usize;
    let data = || Tensor::<1>::full([neurons], 0.5, (&device, DType::F32));
    assert_too_large(rate::<1, 2>(data(), steps, RateOptions { seed: Some(1), ..RateOptions::default() }), "data", "rate");
    assert_too_large(latency::<1, 2>(data(), steps, LatencyOptions::default()), "data", "latency");
    // One step fewer than the limit allows still runs.
    let fits = (limit / (neurons as u64 * 4)) as usize;
    assert!(rate::<1, 2>(data(), fits, RateOptions { seed: Some(1), ..RateOptions::default() }).is_ok());
    // Work still queued when the process exits can crash lavapipe's teardown.
    device.sync().expect("the queue finishes");
}

#[test]
fn a_crossbar_read_whose_traces_would_not_fit_is_refused() {
    let (device, limit) = small_bindings();
    let (inputs, outputs) = (8, 256);
    let weight = Tensor::<2>::full([inputs, outputs], 0.1, (&device, DType::F32));
    let crossbar = ProgrammedCrossbar::program(weight, &CrossbarConfig::aihwkit_default()).expect("valid");
    // Traces are [4, batch, row tiles, outputs] f32: 4 KiB per batch row here, the input 32 B.
    let batch = (limit / (4 * outputs as u64 * 4) + 1) as usize;
    let input = || Tensor::<2>::full([batch, inputs], 0.5, (&device, DType::F32));
    assert_too_large(crossbar.read_with_traces(input()), "input", "read with traces");
    assert!(crossbar.read(input()).is_ok(), "without traces the same batch fits");
    device.sync().expect("the queue finishes");
}

#[test]
fn the_f16_sparse_work_list_is_counted() {
    let (device, limit) = small_bindings();
    if !kernels_tests::has_f16(&device) {
        return eprintln!("skipped: no SHADER_F16 on this adapter (f16 spikes are refused before any size check)");
    }
    // f16 spikes take 2 bytes each, the sparse kernels' u32 active list 4.
    let inputs = 1024;
    let rows = (limit / (inputs as u64 * 4) + 1) as usize;
    let spikes = || Tensor::<2>::zeros([rows, inputs], (&device, DType::F16));
    let weight = || Tensor::<2>::zeros([inputs, 1], (&device, DType::F16));
    let sparse = PropagateOptions { mode: Propagation::Sparse, binary: false };
    assert_too_large(spike_propagate(spikes(), weight(), None, sparse), "spikes", "f16 sparse");
    let dense = PropagateOptions { mode: Propagation::Dense, binary: false };
    assert!(spike_propagate(spikes(), weight(), None, dense).is_ok(), "the dense path needs no list");
    device.sync().expect("the queue finishes");
}

#[test]
fn an_im2col_matrix_over_the_limit_is_refused() {
    let (device, limit) = small_bindings();
    let conv = Conv2dConfig::new([1, 2], [3, 3]).init(&device);
    let layer = AnalogConv2d::from_conv2d(conv, CrossbarConfig::ideal(), 0.0).expect("valid");
    // [B·H'·W', 9] f32 patches: side² · 36 bytes for one image.
    let side = ((limit as f64 / 36.0).sqrt() as usize) + 8;
    let image = Tensor::<4>::zeros([1, 1, side, side], (&device, DType::F32));
    assert_too_large(layer.try_forward(image), "input", "AnalogConv2d im2col");
}
