//! Bad input gets a clear error naming the argument; documented edge cases behave as documented.

use burn::tensor::{DType, Device};
use burn_neuro::snn::LeakyConfig;
use burn_neuro::{NeuroError, Neuron, Surrogate, lif, lif_step};
use kernels_tests::{cpu, gpu, tensor, values};

fn argument_of(error: NeuroError) -> &'static str {
    match error {
        NeuroError::Shape { argument, .. } | NeuroError::DType { argument, .. } | NeuroError::Range { argument, .. } => argument,
        NeuroError::TooLarge { argument, .. } => argument,
        other => panic!("expected an argument error, got: {other}"),
    }
}

fn zeros(shape: [usize; 2], dtype: DType, device: &Device) -> burn::tensor::Tensor<2> {
    tensor(vec![0.0; shape[0] * shape[1]], shape, dtype, device)
}

#[test]
fn mismatched_initial_shape_names_initial() {
    let device = gpu();
    let err = lif(zeros([4, 3], DType::F32, &device), Some(zeros([1, 2], DType::F32, &device)), &Neuron::leaky(0.9)).unwrap_err();
    assert_eq!(argument_of(err.clone()), "initial");
    assert!(err.to_string().contains("[1, 3]"), "{err}");
}

#[test]
fn mismatched_step_membrane_names_membrane() {
    let device = gpu();
    let err = lif_step(zeros([2, 3], DType::F32, &device), Some(zeros([3, 2], DType::F32, &device)), &Neuron::leaky(0.9)).unwrap_err();
    assert_eq!(argument_of(err), "membrane");
}

#[test]
fn per_neuron_beta_of_the_wrong_length_names_beta() {
    let device = gpu();
    let beta = tensor(vec![0.5; 4], [4], DType::F32, &device);
    let err = lif(zeros([2, 3], DType::F32, &device), None, &Neuron::leaky(beta)).unwrap_err();
    assert_eq!(argument_of(err.clone()), "beta");
    assert!(err.to_string().contains("[4]"), "{err}");
}

#[test]
fn zero_time_steps_is_an_error() {
    let device = gpu();
    let err = lif(zeros([0, 3], DType::F32, &device), None, &Neuron::leaky(0.9)).unwrap_err();
    assert_eq!(argument_of(err.clone()), "input");
    assert!(err.to_string().contains("T >= 1"), "{err}");
}

#[test]
fn wrong_dtypes_name_their_argument() {
    // f64 input (the CPU device stores f64; our kernels do not).
    let device = cpu();
    let err = lif(zeros([2, 3], DType::F64, &device), None, &Neuron::leaky(0.9)).unwrap_err();
    assert_eq!(argument_of(err.clone()), "input");
    assert!(err.to_string().contains("F32 or F16"), "{err}");
    // An initial membrane whose dtype differs from the input's.
    let device = gpu();
    let err = lif(zeros([2, 3], DType::F32, &device), Some(zeros([1, 3], DType::F16, &device)), &Neuron::leaky(0.9)).unwrap_err();
    assert_eq!(argument_of(err), "initial");
}

#[test]
fn beta_outside_unit_interval_is_rejected() {
    let device = gpu();
    for bad in [1.5, -0.1, f32::NAN] {
        let err = lif(zeros([2, 3], DType::F32, &device), None, &Neuron::leaky(bad)).unwrap_err();
        assert_eq!(argument_of(err), "beta", "β = {bad}");
    }
    // Per-neuron β given to the module as values.
    let err = LeakyConfig::new(0.9).with_beta_per_neuron(Some(vec![0.5, 1.2, 0.9])).init(&device).unwrap_err();
    assert_eq!(argument_of(err.clone()), "beta_per_neuron");
    assert!(err.to_string().contains("index 1"), "{err}");
    let err = LeakyConfig::new(1.01).init(&device).unwrap_err();
    assert_eq!(argument_of(err), "beta");
}

#[test]
fn bad_threshold_and_surrogate_are_rejected() {
    let device = gpu();
    let neuron = Neuron::leaky(0.9).with_threshold(f32::INFINITY);
    assert_eq!(argument_of(lif(zeros([2, 3], DType::F32, &device), None, &neuron).unwrap_err()), "threshold");
    let err = LeakyConfig::new(0.9).with_surrogate(Surrogate::FastSigmoid { slope: -1.0 }).init(&device).unwrap_err();
    assert_eq!(argument_of(err), "surrogate");
}

#[test]
fn nan_input_poisons_only_its_own_neuron_and_never_spikes() {
    // Documented: NaN is not rejected; the membrane stays NaN and `NaN > θ` never fires.
    for device in [gpu(), cpu()] {
        let x = vec![0.5, 2.0, f32::NAN, 2.0, 0.5, 2.0, 0.5, 2.0];
        let out = lif(tensor(x, [4, 2], DType::F32, &device), None, &Neuron::leaky(0.9)).expect("NaN is accepted");
        let membrane = values(out.membrane);
        let spikes = values(out.spikes);
        assert!(membrane[0] == 0.5 && membrane[2].is_nan() && membrane[4].is_nan() && membrane[6].is_nan());
        assert_eq!([spikes[0], spikes[2], spikes[4], spikes[6]], [0.0; 4], "a NaN neuron never spikes");
        assert_eq!([spikes[1], spikes[3]], [1.0, 1.0], "the other neuron is untouched");
    }
}

#[test]
fn f16_on_a_device_without_shader_f16_is_a_clear_error() {
    use burn::tensor::wgpu::wgpu::Features;
    // A real device on the test adapter with every feature Burn uses except SHADER_F16.
    let burn_device = kernels_tests::custom_gpu("no-f16", |f| f - Features::SHADER_F16 - Features::MAPPABLE_PRIMARY_BUFFERS, |l| l);

    let input = zeros([2, 3], DType::F16, &burn_device);
    let err = lif(input, None, &Neuron::leaky(0.9)).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, NeuroError::Device(_)), "{message}");
    assert!(message.contains("`input`") && message.contains("SHADER_F16"), "{message}");
    // f32 still works on that device.
    let out = lif(zeros([2, 3], DType::F32, &burn_device), None, &Neuron::leaky(0.9)).expect("f32 runs");
    assert_eq!(values(out.spikes), vec![0.0; 6]);
}
