//! Device memory a forward pass keeps alive for its backward, for the memory-light options.
//! One test in its own binary: the device's allocation counter is process-wide, so no other
//! test may run beside it.

use burn::tensor::{DType, Device};
use burn_neuro::device::bytes_in_use;
use burn_neuro::ops::spike_propagate::{PropagateOptions, Propagation, spike_propagate};
use burn_neuro::{LifSpec, Neuron, SavedState, lif};
use kernels_tests::{gpu, tensor, uniform};

/// Bytes allocated by `forward` and still held when it returns (its output and its graph).
fn held<T>(device: &Device, forward: impl FnOnce() -> T) -> u64 {
    let before = bytes_in_use(device).expect("wgpu reports memory");
    let output = forward();
    let after = bytes_in_use(device).expect("wgpu reports memory");
    drop(output);
    after.saturating_sub(before)
}

#[test]
fn compact_state_and_binary_propagation_hold_less_for_the_backward() {
    let device = gpu().autodiff();

    // A synapse layer fed a fresh spike tensor (as a neuron layer's output is): f32 spikes in
    // plain mode, 1 bit per spike in binary mode.
    let (rows, inputs, outputs) = (64, 4096, 64);
    let w = tensor(uniform(inputs * outputs, 13, -1.0, 1.0), [inputs, outputs], DType::F32, &device).require_grad();
    let source =
        tensor(uniform(rows * inputs, 14, 0.0, 1.0).iter().map(|u| if *u < 0.02 { 1.0 } else { 0.0 }).collect(), [rows, inputs], DType::F32, &device);
    let propagate = |binary: bool| {
        held(&device, || {
            spike_propagate(source.clone() * 1.0, w.clone(), None, PropagateOptions { mode: Propagation::Sparse, binary }).expect("valid")
        })
    };
    let (plain, packed) = (propagate(false), propagate(true));
    let f32_spikes = (rows * inputs * 4) as u64;
    assert!(plain >= f32_spikes, "plain mode keeps the f32 spikes: {plain} bytes");
    // Bits (f32_spikes / 32) plus the output and allocation rounding.
    assert!(packed < f32_spikes / 16, "binary mode keeps bits: {packed} vs {plain} bytes");

    // A Leaky layer whose caller keeps only the spikes: the full state keeps f32 spikes and
    // membranes (8 bytes per neuron-step); the compact one the spikes' own buffer plus 1 bit
    // and 2 bytes per neuron-step.
    let (steps, neurons) = (40, 8192);
    let x = tensor(uniform(steps * neurons, 15, 0.0, 0.5), [steps, neurons], DType::F32, &device).require_grad();
    let leaky = |saved_state| {
        let neuron = Neuron::leaky(0.9).with_spec(LifSpec { saved_state, ..LifSpec::snntorch_default() });
        held(&device, || lif(x.clone(), None, &neuron).expect("valid").spikes)
    };
    let (full, compact) = (leaky(SavedState::Full), leaky(SavedState::Compact));
    let neuron_steps = (steps * neurons) as u64;
    assert!(full >= 8 * neuron_steps, "full: {full} bytes");
    assert!(compact < 6 * neuron_steps + neuron_steps / 2, "compact: {compact} bytes vs {full}");
}
