//! End to end: `burn::nn::Linear` + `Leaky` trains with Adam on the wgpu device and on the CPU
//! path; the loss goes down and the two devices agree.

use burn::tensor::DType;
use kernels_tests::training::{SpikingMlp, train};
use kernels_tests::{cpu, gpu};

#[test]
fn spiking_mlp_trains_on_gpu_and_cpu_and_they_agree() {
    let cpu_device = cpu();
    cpu_device.seed(42);
    let model = SpikingMlp::new(&cpu_device);
    let on_cpu = train(model.clone(), &cpu_device, DType::F32, 12);
    let on_gpu = train(model, &gpu(), DType::F32, 12);
    println!("cpu losses {on_cpu:?}\ngpu losses {on_gpu:?}");
    for losses in [&on_cpu, &on_gpu] {
        let first = losses[..3].iter().sum::<f32>() / 3.0;
        let last = losses[losses.len() - 3..].iter().sum::<f32>() / 3.0;
        assert!(last < 0.7 * first, "loss must go down: {losses:?}");
    }
    // Same weights, same data: the first steps agree closely (later ones may drift when a
    // membrane lands within rounding of the threshold on one device and not the other).
    for step in 0..3 {
        let (a, b) = (on_cpu[step], on_gpu[step]);
        assert!((a - b).abs() <= 1e-3 * a.abs().max(1.0), "step {step}: cpu {a} vs gpu {b}");
    }
}
