//! End to end in half precision: the wgpu device stores activations and weights as f16 (Leaky's
//! β/θ stay f32); the loss goes down and tracks the f32 CPU run of the same model.

use burn::module::Module;
use burn::tensor::{DType, FloatDType};
use kernels_tests::training::{SpikingMlp, train};
use kernels_tests::{cpu, gpu};

#[test]
fn spiking_mlp_trains_in_f16_on_gpu() {
    let cpu_device = cpu();
    cpu_device.seed(42);
    let model = SpikingMlp::new(&cpu_device);
    let reference = train(model.clone(), &cpu_device, DType::F32, 12);

    let mut device = gpu();
    // This test binary owns the device, so switching its default float dtype is safe here.
    device.configure(FloatDType::F16).expect("f16 default dtype");
    let model = burn_neuro::snn::cast_weights(model.to_device(&device), FloatDType::F16);
    let losses = train(model, &device, DType::F16, 12);
    println!("f16 gpu losses {losses:?}\nf32 cpu losses {reference:?}");
    let first = losses[..3].iter().sum::<f32>() / 3.0;
    let last = losses[losses.len() - 3..].iter().sum::<f32>() / 3.0;
    assert!(last < 0.7 * first, "f16 loss must go down: {losses:?}");
    let first_ref = reference[0];
    assert!((losses[0] - first_ref).abs() <= 2e-2 * first_ref.abs().max(1.0), "initial loss f16 {} vs f32 {first_ref}", losses[0]);
}
