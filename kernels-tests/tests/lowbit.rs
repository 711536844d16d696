//! Quantized and binarized weights, threshold annealing, the periodic cosine learning rate, the
//! per-step batch norm and `mse_count_loss`: the goldens of the QSNN and threshold-annealing
//! recipes, on the GPU and on the CPU.

use burn::module::Module;
use burn::optim::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::tensor::{DType, Device, Int, Tensor, TensorData};
use burn_neuro::analog::{CrossbarConfig, ProgrammedCrossbar};
use burn_neuro::quant::{QuantConv2dConfig, QuantLinearConfig, ThresholdAnnealing, WeightQuant, binarize, fake_quantize};
use burn_neuro::snn::loss::{OutputCode, mse_count_loss};
use burn_neuro::snn::{LeakyConfig, StepBatchNormConfig};
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};

fn devices() -> [Device; 2] {
    [gpu(), cpu()]
}

fn distinct(values: &[f32]) -> usize {
    // + 0.0 turns −0 into +0: one value.
    let mut sorted: Vec<u32> = values.iter().map(|v| (v + 0.0).to_bits()).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.len()
}

#[test]
fn four_bit_golden_and_brevitas_gradient() {
    for device in devices() {
        let device = device.autodiff();
        let w = tensor(vec![0.7, -0.33, 0.12, 0.04], [4], DType::F32, &device).require_grad();
        let q = fake_quantize(w.clone(), 4).expect("valid");
        assert_close(&values(q.clone()), &[0.7, -0.3, 0.1, 0.0], 1e-6, 0.0, "W_q");
        // Rounding and clamping pass the gradient; the scale max|W|/7 carries Σ g·(q − W/s)/7
        // to the largest element: 1 + (0 + 0.3 − 0.2 − 0.4)/7 = 0.957143.
        let grads = q.sum().backward();
        assert_close(&values(w.grad(&grads).expect("gradient")), &[0.957143, 1.0, 1.0, 1.0], 1e-5, 0.0, "dW");
    }
}

#[test]
fn quantizer_rounds_half_to_even_and_keeps_zero_weights() {
    for device in devices() {
        // s = 7/7 = 1: the ties 2.5, −1.5 and 0.5 round to 2, −2 and 0.
        let w = tensor(vec![7.0, 2.5, -1.5, 0.5, -7.0, 3.2], [2, 3], DType::F32, &device);
        assert_eq!(values(fake_quantize(w, 4).expect("valid")), vec![7.0, 2.0, -2.0, 0.0, -7.0, 3.0]);
        let zeros = tensor(vec![0.0; 6], [2, 3], DType::F32, &device);
        assert_eq!(values(fake_quantize(zeros, 3).expect("valid")), vec![0.0; 6], "an all-zero weight stays zero");
    }
    for bits in [0, 1, 9, 32] {
        let err = fake_quantize(tensor(vec![1.0], [1], DType::F32, &cpu()), bits).unwrap_err().to_string();
        assert!(err.contains("`bits`") && err.contains("2 to 8"), "{err}");
    }
}

#[test]
fn b_bit_weights_take_at_most_two_to_the_b_minus_one_values() {
    let device = gpu();
    for bits in 2..=8 {
        let w = tensor(uniform(4096, bits as u64, -0.3, 0.3), [64, 64], DType::F32, &device);
        let q = values(fake_quantize(w, bits).expect("valid"));
        let limit = (1usize << bits) - 1;
        // Uniform values over 4096 draws fill every level, and no value lies between levels.
        assert_eq!(distinct(&q), limit, "{bits} bits");
    }
}

#[test]
fn binarization_is_sign_with_zero_to_plus_one_and_identity_gradient() {
    for device in devices() {
        let device = device.autodiff();
        let w = tensor(vec![0.0, -0.1, 2.0, -3.0, 1e-30, -0.0], [6], DType::F32, &device).require_grad();
        let b = binarize(w.clone());
        assert_eq!(values(b.clone()), vec![1.0, -1.0, 1.0, -1.0, 1.0, 1.0]);
        let weights = tensor(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [6], DType::F32, &device);
        let grads = (b * weights).sum().backward();
        assert_eq!(values(w.grad(&grads).expect("gradient")), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "no |w| ≤ 1 cancelling");
        let bad = binarize(tensor(vec![f32::NAN, 1.0], [2], DType::F32, &device));
        assert!(values(bad)[0].is_nan(), "a NaN weight stays visible");
    }
}

#[test]
fn quantized_layers_use_the_quantized_weight_and_snn_tha_init() {
    let device = gpu();
    let x = tensor(uniform(3 * 40, 3, -1.0, 1.0), [3, 40], DType::F32, &device);
    let layer = QuantLinearConfig::new(40, 10).with_quant(WeightQuant::Int { bits: 4 }).init(&device).expect("valid");
    let expected = x.clone().matmul(fake_quantize(layer.weight.val(), 4).expect("valid")) + layer.bias.as_ref().expect("bias").val().unsqueeze_dim(0);
    assert_close(&values(layer.forward(x.clone())), &values(expected), 1e-5, 1e-5, "QuantLinear");
    assert!(distinct(&values(layer.quantized_weight())) <= 15);

    // Binarized: Glorot uniform with snn-tha's bound √(1.5/(fan_in + fan_out)), zero bias.
    let binary = QuantLinearConfig::new(1024, 10).with_quant(WeightQuant::Binary).init(&device).expect("valid");
    // The bound as the initializer holds it (f64), rounded once to f32 as every sample is: a
    // bound computed in f32 can sit one ulp below a sample drawn at the edge.
    let bound = (1.5f64 / 1034.0).sqrt() as f32;
    let w = values(binary.weight.val());
    assert!(w.iter().all(|v| v.abs() <= bound) && w.iter().any(|v| v.abs() > 0.9 * bound), "bound {bound}");
    assert_eq!(values(binary.bias.as_ref().expect("bias").val()), vec![0.0; 10]);
    let conv = QuantConv2dConfig::new([16, 64], [5, 5]).with_bias(false).with_quant(WeightQuant::Binary).init(&device).expect("valid");
    let bound = (1.5f64 / ((16 + 64) * 25) as f64).sqrt() as f32;
    let w = values(conv.weight.val());
    assert!(w.iter().all(|v| v.abs() <= bound) && w.iter().any(|v| v.abs() > 0.9 * bound), "conv bound {bound}");
    assert!(conv.bias.is_none());
    let image = tensor(uniform(2 * 16 * 9 * 9, 4, 0.0, 1.0), [2, 16, 9, 9], DType::F32, &device);
    let y = values(conv.forward(image.clone()));
    let signs = binarize(conv.weight.val());
    let expected = burn::tensor::module::conv2d(image, signs, None, burn::tensor::ops::ConvOptions::new([1, 1], [0, 0], [1, 1], 1));
    assert_close(&y, &values(expected), 1e-4, 1e-5, "QuantConv2d binary");

    for (err, name) in [
        (QuantLinearConfig::new(4, 4).with_quant(WeightQuant::Int { bits: 12 }).init(&device).map(|_| ()), "`bits`"),
        (QuantLinearConfig::new(0, 4).init(&device).map(|_| ()), "d_input"),
        (QuantConv2dConfig::new([1, 4], [0, 3]).init(&device).map(|_| ()), "`kernel_size`"),
    ] {
        let message = err.unwrap_err().to_string();
        assert!(message.contains(name), "{message}");
    }
}

#[test]
fn quantized_weights_map_onto_a_crossbar_of_two_to_the_b_minus_one_levels_without_loss() {
    let device = gpu();
    let layer = QuantLinearConfig::new(48, 12).with_bias(false).with_quant(WeightQuant::Int { bits: 4 }).init(&device).expect("valid");
    let x = tensor(uniform(5 * 48, 5, -1.0, 1.0), [5, 48], DType::F32, &device);
    let crossbar = CrossbarConfig::ideal().with_levels(Some(15));
    let q = layer.quantized_weight();
    let read = ProgrammedCrossbar::program(q.clone(), &crossbar).expect("valid").read(x.clone()).expect("valid");
    assert_close(&values(read), &values(x.clone().matmul(q)), 1e-4, 1e-4, "4-bit weights on 15 levels");
    // The float weight on the same crossbar does lose: the test can tell the two apart.
    let float = layer.weight.val();
    let read = values(ProgrammedCrossbar::program(float.clone(), &crossbar).expect("valid").read(x.clone()).expect("valid"));
    let exact = values(x.clone().matmul(float));
    let worst = read.iter().zip(&exact).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst > 1e-3, "float weights quantize on 15 levels (worst error {worst})");
    // Binarized weights on two levels.
    let signs = binarize(layer.weight.val());
    let read =
        ProgrammedCrossbar::program(signs.clone(), &CrossbarConfig::ideal().with_levels(Some(2))).expect("valid").read(x.clone()).expect("valid");
    assert_close(&values(read), &values(x.matmul(signs)), 1e-4, 1e-4, "binary weights on 2 levels");
}

#[test]
fn threshold_annealing_golden_on_the_device() {
    // snn-tha MNIST layer 1: θ₀ = 11.666, θ_f = 11.666 + 4.317, α = 0.024.
    let annealing = ThresholdAnnealing::new(0.024, 11.666 + 4.317).expect("valid");
    assert!((annealing.after(11.666, 1) - 11.769608).abs() < 1e-6);
    assert!((annealing.after(11.666, 100) - 15.602667).abs() < 1e-6);
    let layer3 = ThresholdAnnealing::new(0.0011, 0.6656 + 3.496).expect("valid");
    assert!((layer3.after(0.6656, 100) - 1.029953).abs() < 1e-6);
    for device in devices() {
        let mut layer = LeakyConfig::new(0.99).with_threshold(11.666).init(&device).expect("valid");
        let id = layer.threshold.id;
        layer = annealing.step(layer);
        // f32 on the device, as snn-tha's float32 buffer.
        assert_close(&values(layer.threshold.val()), &[11.769608], 1e-5, 0.0, "θ after 1 step");
        for _ in 1..100 {
            layer = annealing.step(layer);
        }
        assert_close(&values(layer.threshold.val()), &[15.602667], 2e-5, 0.0, "θ after 100 steps");
        assert_eq!(layer.threshold.id, id, "the parameter keeps its id");
        // A learned threshold stays a trainable leaf after annealing.
        let learned = LeakyConfig::new(0.99).with_threshold(1.0).with_learn_threshold(true).init(&device.clone().autodiff()).expect("valid");
        let learned = annealing.step(learned);
        assert!(learned.threshold.val().is_require_grad());
        assert_close(&values(learned.threshold.val()), &[1.0 + 0.024 * (15.983 - 1.0)], 1e-5, 0.0, "learned θ after 1 step");
    }
    for (alpha, target, name) in [(0.0, 1.0, "`alpha`"), (1.5, 1.0, "`alpha`"), (0.1, f32::NAN, "`final_threshold`")] {
        let err = ThresholdAnnealing::new(alpha, target).unwrap_err().to_string();
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn burn_cosine_schedule_is_pytorchs_periodic_cosine_annealing() {
    // QSNN MNIST: η₀ = 5.4e-3, T_max = 4690, stepped every iteration with no restarts.
    let mut scheduler = CosineAnnealingLrSchedulerConfig::new(5.4e-3, 4690).init().expect("valid");
    let mut rates = Vec::new();
    for _ in 0..=9380 {
        rates.push(scheduler.step().base());
    }
    for (t, expected) in [(0, 5.4e-3), (2345, 2.7e-3), (4690, 0.0), (7035, 2.7e-3), (9380, 5.4e-3)] {
        assert!((rates[t] - expected).abs() < 1e-12, "η({t}) = {} (expected {expected})", rates[t]);
    }
}

#[test]
fn mse_count_loss_golden() {
    // T = 100, counts [70, 30], true class 0: targets 80 and 20 → ((−10)² + 10²)/2/100 = 1.0.
    for device in devices() {
        let mut spikes = vec![0.0f32; 100 * 2];
        for t in 0..100 {
            spikes[t * 2] = if t < 70 { 1.0 } else { 0.0 };
            spikes[t * 2 + 1] = if t < 30 { 1.0 } else { 0.0 };
        }
        let spikes = tensor(spikes, [100, 1, 2], DType::F32, &device);
        let targets = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64], [1]), &device);
        let loss = mse_count_loss(spikes, targets, 0.8, 0.2, OutputCode::default()).expect("valid");
        assert_close(&values(loss), &[1.0], 1e-6, 0.0, "mse_count_loss");
        // A population of 2 per class: targets ⌊T·rate·P⌋ = ⌊5·0.3·2⌋ = 3 and ⌊5·0.1·2⌋ = 1
        // (⌊T·rate⌋·P would give 2 and 0). Class 0 counts 3 + 0, class 1 counts 1 + 0.
        let mut spikes = vec![0.0f32; 5 * 4];
        for t in 0..3 {
            spikes[t * 4] = 1.0;
        }
        spikes[2] = 1.0;
        let spikes = tensor(spikes, [5, 1, 4], DType::F32, &device);
        let targets = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64], [1]), &device);
        let loss = mse_count_loss(spikes, targets, 0.3, 0.1, OutputCode { population: 2 }).expect("valid");
        assert_close(&values(loss), &[0.0], 1e-6, 0.0, "population targets");
    }
}

/// PyTorch's `for t in range(T): bn(x[t])` on the host: per-step batch statistics, then the
/// running statistics after T momentum updates (unbiased variance).
fn host_step_batch_norm(x: &[f32], [t_n, b_n, c_n, hw]: [usize; 4], momentum: f64) -> (Vec<f32>, Vec<f64>, Vec<f64>) {
    let mut y = vec![0.0; x.len()];
    let (mut mean_run, mut var_run) = (vec![0.0; c_n], vec![1.0; c_n]);
    let n = (b_n * hw) as f64;
    for t in 0..t_n {
        for c in 0..c_n {
            let at = |b: usize, i: usize| ((t * b_n + b) * c_n + c) * hw + i;
            let all: Vec<f64> = (0..b_n).flat_map(|b| (0..hw).map(move |i| (b, i))).map(|(b, i)| x[at(b, i)] as f64).collect();
            let mean = all.iter().sum::<f64>() / n;
            let var = all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            for b in 0..b_n {
                for i in 0..hw {
                    y[at(b, i)] = ((x[at(b, i)] as f64 - mean) / (var + 1e-5).sqrt()) as f32;
                }
            }
            mean_run[c] = (1.0 - momentum) * mean_run[c] + momentum * mean;
            var_run[c] = (1.0 - momentum) * var_run[c] + momentum * var * n / (n - 1.0);
        }
    }
    (y, mean_run, var_run)
}

#[test]
fn step_batch_norm_is_pytorchs_batch_norm_at_every_step() {
    let shape = [3, 4, 2, 5, 3];
    let x = uniform(3 * 4 * 2 * 15, 8, -1.0, 2.0);
    let (expected, mean_run, var_run) = host_step_batch_norm(&x, [3, 4, 2, 15], 0.1);
    for device in devices() {
        let train = device.clone().autodiff();
        let bn = StepBatchNormConfig::new(2).init(&train).expect("valid");
        let y = bn.forward(tensor(x.clone(), shape, DType::F32, &train));
        assert_close(&values(y), &expected, 1e-4, 1e-4, "training output");
        let as_f32 = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<_>>();
        assert_close(&values(bn.running_mean.value_sync()), &as_f32(&mean_run), 1e-5, 1e-5, "running mean");
        assert_close(&values(bn.running_var.value_sync()), &as_f32(&var_run), 1e-5, 1e-5, "running variance");
        // Evaluation uses the running statistics.
        let valid = bn.valid();
        let y = values(valid.forward(tensor(x.clone(), shape, DType::F32, &device)));
        let expected_eval: Vec<f32> = x
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let c = (i / 15) % 2;
                ((*v as f64 - mean_run[c]) / (var_run[c] + 1e-5).sqrt()) as f32
            })
            .collect();
        assert_close(&y, &expected_eval, 1e-4, 1e-4, "evaluation output");

        // A static input repeated over T steps: computed once, the same output and statistics.
        let frame = uniform(4 * 2 * 15, 9, -1.0, 2.0);
        let repeated: Vec<f32> = (0..3).flat_map(|_| frame.clone()).collect();
        let (expected, mean_run, var_run) = host_step_batch_norm(&repeated, [3, 4, 2, 15], 0.1);
        let bn = StepBatchNormConfig::new(2).init(&train).expect("valid");
        let y = bn.forward_repeated(tensor(frame.clone(), [4, 2, 5, 3], DType::F32, &train), 3);
        assert_close(&values(y), &expected[..frame.len()], 1e-4, 1e-4, "repeated output");
        assert_close(&values(bn.running_mean.value_sync()), &as_f32(&mean_run), 1e-5, 1e-5, "repeated running mean");
        assert_close(&values(bn.running_var.value_sync()), &as_f32(&var_run), 1e-5, 1e-5, "repeated running variance");
    }
    // A frozen layer on the training device normalizes with its running statistics and leaves
    // them alone, as Burn's BatchNorm.
    let train = gpu().autodiff();
    let mut bn = StepBatchNormConfig::new(2).init(&train).expect("valid");
    bn.training = burn::module::Param::from_bool(false);
    let y = values(bn.forward(tensor(x.clone(), shape, DType::F32, &train)));
    let scale = (1.0f64 + 1e-5).sqrt();
    assert_close(&y, &x.iter().map(|v| (*v as f64 / scale) as f32).collect::<Vec<_>>(), 1e-5, 1e-5, "frozen output");
    assert_eq!(values(bn.running_mean.value_sync()), vec![0.0, 0.0], "frozen running mean");
    let err = StepBatchNormConfig::new(0).init(&cpu()).unwrap_err().to_string();
    assert!(err.contains("num_features"), "{err}");
}
