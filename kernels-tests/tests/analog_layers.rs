//! `AnalogLinear` and `AnalogConv2d` on an ideal crossbar equal `burn::nn::Linear` and
//! `Conv2d`; their gradients reach the weights and the input in both backward modes.

use burn::nn::conv::Conv2dConfig;
use burn::nn::{LinearConfig, PaddingConfig2d};
use burn::tensor::DType;
use burn_neuro::analog::{AnalogBackward, AnalogConv2d, AnalogLinear, CrossbarConfig};
use kernels_tests::{assert_close, gpu, tensor, uniform, values};

#[test]
fn analog_linear_on_an_ideal_crossbar_is_linear() {
    let device = gpu().autodiff();
    let linear = LinearConfig::new(40, 7).init(&device);
    let x = tensor(uniform(3 * 5 * 40, 1, -1.0, 1.0), [3, 5, 40], DType::F32, &device);
    let expected = values(linear.forward(x.clone()));
    for backward in [AnalogBackward::Ideal, AnalogBackward::Analog] {
        let analog =
            AnalogLinear::from_linear(linear.clone(), CrossbarConfig::ideal().with_tile_rows(16), 0.0).expect("valid").with_backward(backward);
        let x = x.clone().require_grad();
        let y = analog.try_forward(x.clone()).expect("valid");
        assert_close(&values(y.clone()), &expected, 1e-4, 1e-4, "forward");
        let grads = y.sum().backward();
        let dx = values(x.grad(&grads).expect("input gradient"));
        let ones = tensor(vec![1.0; 7], [1, 7], DType::F32, &device);
        let expected_dx = values(ones.matmul(linear.weight.val().transpose()).expand([15, 40]).reshape([3, 5, 40]));
        assert_close(&dx, &expected_dx, 1e-4, 1e-4, &format!("dL/dx, {backward:?}"));
        assert!(analog.weight.grad(&grads).is_some(), "the weight trains");
    }
}

#[test]
fn analog_conv2d_on_an_ideal_crossbar_is_conv2d() {
    let device = gpu().autodiff();
    let cases = [
        Conv2dConfig::new([3, 5], [3, 3]),
        Conv2dConfig::new([2, 4], [3, 2]).with_stride([2, 1]).with_padding(PaddingConfig2d::Explicit(1, 2, 1, 2)),
        Conv2dConfig::new([1, 6], [5, 5]).with_padding(PaddingConfig2d::Same),
    ];
    for config in cases {
        let conv = config.init(&device);
        let [_, cin, _, _] = conv.weight.val().dims();
        let x = tensor(uniform(2 * cin * 11 * 9, 2, -1.0, 1.0), [2, cin, 11, 9], DType::F32, &device).require_grad();
        let expected = conv.forward(x.clone());
        for backward in [AnalogBackward::Ideal, AnalogBackward::Analog] {
            let analog = AnalogConv2d::from_conv2d(conv.clone(), CrossbarConfig::ideal(), 0.0).expect("valid").with_backward(backward);
            let y = analog.try_forward(x.clone()).expect("valid");
            assert_eq!(y.dims(), expected.dims());
            assert_close(&values(y.clone()), &values(expected.clone()), 1e-4, 1e-4, "forward");
            // Weighted by the (detached) expected output, so the gradient is not uniform.
            let weights = expected.clone().detach();
            let grads = (y * weights.clone()).sum().backward();
            let reference_grads = (conv.forward(x.clone()) * weights).sum().backward();
            assert_close(
                &values(x.grad(&grads).expect("dL/dx")),
                &values(x.grad(&reference_grads).expect("reference dL/dx")),
                1e-3,
                1e-3,
                &format!("dL/dx, {backward:?}"),
            );
            assert!(analog.weight.grad(&grads).is_some(), "the kernel trains");
        }
    }
    let grouped = Conv2dConfig::new([4, 4], [3, 3]).with_groups(2).init(&device);
    let err = AnalogConv2d::from_conv2d(grouped, CrossbarConfig::ideal(), 0.0).unwrap_err();
    assert!(err.to_string().contains("groups"), "{err}");
}
