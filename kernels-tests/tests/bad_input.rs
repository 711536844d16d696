//! Bad input through the public API, table-driven: every case must return a clear error naming
//! the argument (never panic, never return `Ok`), on the GPU and on the CPU path.

use std::panic::{AssertUnwindSafe, catch_unwind};

use burn::tensor::{DType, Device, Int, Tensor, TensorData};
use burn_neuro::snn::loss::{OutputCode, accuracy_rate, ce_count_loss, ce_max_membrane_loss, ce_rate_loss, mse_count_loss, mse_membrane_loss};
use burn_neuro::snn::spikegen::{LatencyOptions, RateOptions, latency, rate};
use burn_neuro::{NeuroError, Neuron, NeuronState, lif_step, neuron_forward};
use kernels_tests::{cpu, gpu, tensor};

/// The argument an error names, or what went wrong instead.
fn outcome<T>(call: impl FnOnce() -> burn_neuro::Result<T>) -> String {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Err(NeuroError::Shape { argument, .. }))
        | Ok(Err(NeuroError::DType { argument, .. }))
        | Ok(Err(NeuroError::Range { argument, .. }))
        | Ok(Err(NeuroError::TooLarge { argument, .. })) => argument.to_string(),
        Ok(Err(NeuroError::Device(message))) => format!("device: {message}"),
        Ok(Err(other)) => format!("other error: {other}"),
        Ok(Ok(_)) => "Ok".into(),
        Err(panic) => format!(
            "panic: {}",
            panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
        ),
    }
}

fn targets(values: Vec<i64>, device: &Device) -> Tensor<1, Int> {
    let len = values.len();
    Tensor::from_data(TensorData::new(values, [len]), device)
}

/// `(case, what the error must name, outcome)` for every case on `device`.
fn cases(device: &Device) -> Vec<(&'static str, &'static str, String)> {
    let spikes = || tensor(vec![0.0; 2 * 3 * 4], [2, 3, 4], DType::F32, device);
    let code = OutputCode::default();
    let mut all = vec![
        ("ce_rate_loss, a class ≥ classes", "targets", outcome(|| ce_rate_loss(spikes(), targets(vec![0, 4, 1], device), code))),
        ("ce_rate_loss, a negative class", "targets", outcome(|| ce_rate_loss(spikes(), targets(vec![0, -1, 1], device), code))),
        ("ce_count_loss, a class ≥ classes", "targets", outcome(|| ce_count_loss(spikes(), targets(vec![9, 0, 1], device), code))),
        ("ce_max_membrane_loss, a negative class", "targets", outcome(|| ce_max_membrane_loss(spikes(), targets(vec![-3, 0, 1], device), code))),
        ("mse_count_loss, a class ≥ classes", "targets", outcome(|| mse_count_loss(spikes(), targets(vec![0, 0, 4], device), 0.8, 0.2, code))),
        ("mse_membrane_loss, a class ≥ classes", "targets", outcome(|| mse_membrane_loss(spikes(), targets(vec![0, 5, 0], device), 1.0, 0.0, code))),
        ("accuracy_rate, a class ≥ classes", "targets", outcome(|| accuracy_rate(spikes(), targets(vec![0, 1, 7], device), code))),
        (
            "ce_rate_loss, an empty batch",
            "output",
            outcome(|| ce_rate_loss(tensor(vec![], [2, 0, 4], DType::F32, device), targets(vec![], device), code)),
        ),
        (
            "ce_rate_loss, no outputs",
            "output",
            outcome(|| ce_rate_loss(tensor(vec![], [2, 3, 0], DType::F32, device), targets(vec![0, 0, 0], device), code)),
        ),
        ("lif_step, zero neurons", "input", outcome(|| lif_step(tensor(vec![], [0], DType::F32, device), None, &Neuron::leaky(0.9)))),
        ("rate, an empty input", "data", outcome(|| rate::<1, 2>(tensor(vec![], [0], DType::F32, device), 4, RateOptions::default()))),
        ("latency, an empty input", "data", outcome(|| latency::<1, 2>(tensor(vec![], [0], DType::F32, device), 4, LatencyOptions::default()))),
    ];
    // Zero-sized dimensions through every op family.
    let synaptic = burn_neuro::snn::SynapticConfig::new(0.8, 0.9).init(device).expect("valid");
    all.push(("Synaptic::step, zero neurons", "input", outcome(|| synaptic.try_step(tensor(vec![], [2, 0], DType::F32, device), None))));
    let leaky = burn_neuro::snn::LeakyConfig::new(0.9).init(device).expect("valid");
    all.push(("Leaky::forward, zero steps", "input", outcome(|| leaky.try_forward(tensor(vec![], [0, 2, 3], DType::F32, device), None))));
    all.push((
        "neuron_forward, zero steps",
        "input",
        outcome(|| neuron_forward(tensor(vec![], [0, 3], DType::F32, device), None, &Neuron::alpha(0.8, 0.9))),
    ));
    all.push((
        "rleaky_all_to_all, zero steps",
        "input",
        outcome(|| {
            burn_neuro::ops::recurrent::rleaky_all_to_all(
                tensor(vec![], [0, 1, 2], DType::F32, device),
                tensor(vec![0.0; 4], [2, 2], DType::F32, device),
                &Neuron::rleaky(0.9),
            )
        }),
    ));
    all.push((
        "mif, zero neurons",
        "input",
        outcome(|| burn_neuro::ops::mif::mif(tensor(vec![], [3, 0], DType::F32, device), None, &burn_neuro::ops::mif::MifParams::default())),
    ));
    all.push((
        "delta, zero steps",
        "data",
        outcome(|| burn_neuro::snn::spikegen::delta(tensor(vec![], [0, 3], DType::F32, device), 0.1, false, false)),
    ));
    let spikes_of = |rows: usize| tensor(vec![0.0; rows * 3], [rows, 3], DType::F32, device);
    let weight_of = |outputs: usize| tensor(vec![0.1; 3 * outputs], [3, outputs], DType::F32, device);
    let options = burn_neuro::ops::spike_propagate::PropagateOptions::default();
    all.push((
        "spike_propagate, zero rows",
        "spikes",
        outcome(|| burn_neuro::ops::spike_propagate::spike_propagate(spikes_of(0), weight_of(2), None, options)),
    ));
    all.push((
        "spike_propagate, zero outputs",
        "weight",
        outcome(|| burn_neuro::ops::spike_propagate::spike_propagate(spikes_of(2), weight_of(0), None, options)),
    ));
    let crossbar = burn_neuro::analog::CrossbarConfig::aihwkit_default();
    all.push((
        "ProgrammedCrossbar::program, zero outputs",
        "weight",
        outcome(|| burn_neuro::analog::ProgrammedCrossbar::program(weight_of(0), &crossbar)),
    ));
    if let Ok(programmed) = burn_neuro::analog::ProgrammedCrossbar::program(weight_of(2), &crossbar) {
        all.push(("ProgrammedCrossbar::read, an empty batch", "input", outcome(|| programmed.read(tensor(vec![], [0, 3], DType::F32, device)))));
        all.push(("ProgrammedCrossbar::read, a wrong width", "input", outcome(|| programmed.read(tensor(vec![0.0; 8], [2, 4], DType::F32, device)))));
    }
    let analog = burn_neuro::analog::AnalogLinearConfig::new(3, 2).init(device).expect("valid");
    all.push(("AnalogLinear, an empty batch", "input", outcome(|| analog.try_forward(tensor(vec![], [0, 3], DType::F32, device)))));
    all.push((
        "accuracy_rate, an empty batch",
        "output",
        outcome(|| accuracy_rate(tensor(vec![], [2, 0, 4], DType::F32, device), targets(vec![], device), code)),
    ));
    let layer = burn_neuro::snn::SpikingLinearConfig::new(4, 3).init(device);
    all.push(("SpikingLinear, a wrong input width", "input", outcome(|| layer.try_forward(tensor(vec![0.0; 10], [2, 5], DType::F32, device)))));
    all.push(("SpikingLinear, no rows", "input", outcome(|| layer.try_forward(tensor(vec![], [0, 4], DType::F32, device)))));
    let strided = burn::nn::conv::Conv2dConfig::new([1, 2], [3, 3]).with_stride([0, 1]).init(device);
    all.push((
        "AnalogConv2d, stride 0",
        "stride",
        outcome(|| burn_neuro::analog::AnalogConv2d::from_conv2d(strided, burn_neuro::analog::CrossbarConfig::ideal(), 0.0)),
    ));
    all.push((
        "CrossbarConfig, tile_rows beyond 32 bits",
        "tile_rows",
        outcome(|| burn_neuro::analog::CrossbarConfig::ideal().with_tile_rows(1 << 33).validate()),
    ));
    if !kernels_tests::has_f16(device) {
        // GL (and DX12 through FXC): f16 is refused up front, not inside the driver.
        let half = || tensor(vec![0.5; 6], [2, 3], DType::F16, device);
        all.push(("delta, f16 without SHADER_F16", "device", outcome(|| burn_neuro::snn::spikegen::delta(half(), 0.1, false, false))));
        all.push(("latency, f16 without SHADER_F16", "device", outcome(|| latency::<2, 3>(half(), 4, LatencyOptions::default()))));
        all.push((
            "ce_rate_loss, f16 without SHADER_F16",
            "device",
            outcome(|| ce_rate_loss(tensor(vec![0.0; 24], [2, 3, 4], DType::F16, device), targets(vec![0, 1, 2], device), code)),
        ));
    }
    if let Some(other) = other_device(device) {
        let initial = NeuronState::new(tensor(vec![0.0; 3], [1, 3], DType::F32, &other));
        all.push((
            "neuron_forward, the initial state on another device",
            "device",
            outcome(|| neuron_forward(tensor(vec![0.5; 6], [2, 3], DType::F32, device), Some(initial), &Neuron::leaky(0.9))),
        ));
    }
    all
}

/// A device other than `device`: the CPU for a GPU and the GPU for the CPU.
fn other_device(device: &Device) -> Option<Device> {
    Some(if *device == cpu() { gpu() } else { cpu() })
}

#[test]
fn bad_input_is_a_clear_error_naming_the_argument_on_gpu_and_cpu() {
    let mut failures = Vec::new();
    let mut count = 0;
    for device in [gpu(), cpu()] {
        for (case, expected, got) in cases(&device) {
            count += 1;
            let ok = if expected == "device" { got.starts_with("device: ") } else { got == expected };
            if !ok {
                failures.push(format!("{device:?}: {case}: expected an error naming `{expected}`, got {got}"));
            }
        }
    }
    // Let launched work finish before the process exits: lavapipe's worker threads still
    // running during teardown can crash the process after every test passed.
    gpu().sync().expect("the GPU finishes its queue");
    assert!(count >= 60, "{count} cases ran");
    assert!(failures.is_empty(), "{} of {count} cases failed:\n{}", failures.len(), failures.join("\n"));
}
