//! One imported node as a Burn module, and how it runs on `[steps, batch, features]`.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv1d, Conv1dConfig, Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig1d, PaddingConfig2d};
use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;
use burn::tensor::{DType, Device, Tensor, TensorData};

use super::super::{NirNode, NodeKind};
use super::neuron::NeuronNode;
use super::{Discretisation, field, refused};
use crate::error::Result;

/// The settings of a node without parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fixed {
    /// Input, Output, a nested graph's port, Flatten (values are kept flat per example).
    PassThrough,
    /// Average (or, `sum`, sum) pooling of `[channels, h, w]` inputs.
    Pool { channels: usize, size: [usize; 2], kernel: [usize; 2], stride: [usize; 2], padding: [usize; 2], sum: bool },
    /// Per-feature delay of whole steps.
    Delay { steps: Vec<usize> },
}

/// A node without trainable parameters.
#[derive(Module, Debug)]
pub struct FixedNode {
    #[module(skip)]
    pub(crate) fixed: Fixed,
}

/// `Scale` (multiply) or `Threshold` (Heaviside) by a per-feature constant.
#[derive(Module, Debug)]
pub struct ElementwiseNode {
    /// The per-feature constant.
    pub values: Tensor<1>,
    /// `true`: `x > values`; `false`: `x · values`.
    #[module(skip)]
    pub threshold: bool,
}

/// A 2-D convolution with the `[channels, h, w]` shape its flat inputs have.
#[derive(Module, Debug)]
pub struct Conv2dNode {
    /// The convolution.
    pub conv: Conv2d,
    /// Per-example input shape.
    #[module(skip)]
    pub input: [usize; 3],
}

/// A 1-D convolution with its `[channels, length]` input shape.
#[derive(Module, Debug)]
pub struct Conv1dNode {
    /// The convolution.
    pub conv: Conv1d,
    /// Per-example input shape.
    #[module(skip)]
    pub input: [usize; 2],
}

/// One node of an imported graph.
#[derive(Module, Debug)]
pub enum NodeModule {
    /// `Affine` and `Linear`.
    Dense(Linear),
    /// `Conv2d`.
    Conv2d(Conv2dNode),
    /// `Conv1d`.
    Conv1d(Conv1dNode),
    /// `LIF`, `IF`, `LI`, `I`, `CubaLIF`, `CubaLI` on our fused neuron kernels.
    Neuron(NeuronNode),
    /// `Scale`, `Threshold`.
    Elementwise(ElementwiseNode),
    /// Ports, flattening, pooling, delays.
    Fixed(FixedNode),
}

/// A constant f32 vector on `device`.
pub(crate) fn constant(values: Vec<f32>, device: &Device) -> Tensor<1> {
    let len = values.len();
    Tensor::from_data(TensorData::new(values, [len]), (device, DType::F32))
}

fn trainable<const D: usize>(values: Vec<f32>, shape: [usize; D], device: &Device) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), (device, DType::F32)))
}

impl NodeModule {
    /// Builds the module of `node` (path `path`) whose input is `input` and output `output`
    /// per example.
    pub(crate) fn build(
        node: &NirNode,
        path: &str,
        input: &[usize],
        output: &[usize],
        dt: f64,
        discretisation: Discretisation,
        device: &Device,
    ) -> Result<NodeModule> {
        let width: usize = output.iter().product();
        Ok(match node.kind {
            NodeKind::Input | NodeKind::Output | NodeKind::Flatten | NodeKind::Graph => NodeModule::Fixed(FixedNode { fixed: Fixed::PassThrough }),
            NodeKind::Affine | NodeKind::Linear => {
                let (_, weight) = field::numbers(node, "weight", path)?;
                let (rows, cols) = (output[0], input.iter().product::<usize>());
                let mut linear = LinearConfig::new(cols, rows).with_bias(node.kind == NodeKind::Affine).init(device);
                // NIR stores [out, in]; Burn's Linear keeps [in, out].
                let transposed: Vec<f32> = (0..cols * rows).map(|i| weight[(i % rows) * cols + i / rows]).collect();
                linear.weight = trainable(transposed, [cols, rows], device);
                if node.kind == NodeKind::Affine {
                    linear.bias = Some(trainable(field::per_element(node, "bias", path, rows)?, [rows], device));
                }
                NodeModule::Dense(linear)
            }
            NodeKind::Conv2d => {
                let (shape, weight) = field::numbers(node, "weight", path)?;
                let [out_channels, per_group, kh, kw] = shape[..] else { unreachable!("checked by the plan") };
                let groups = field::group_count(node, path)?;
                let in_channels = per_group * groups;
                let (h, w) =
                    (input.iter().product::<usize>() / in_channels / declared_width(node, path, input, 3)?, declared_width(node, path, input, 3)?);
                let dilation = field::per_dim::<2>(node, "dilation", path)?;
                let padding = field::conv_padding(node, path, [kh, kw], dilation)?;
                let mut conv = Conv2dConfig::new([in_channels, out_channels], [kh, kw])
                    .with_stride(field::per_dim::<2>(node, "stride", path)?)
                    .with_dilation(dilation)
                    .with_groups(groups)
                    .with_padding(PaddingConfig2d::Explicit(padding[0].0, padding[1].0, padding[0].1, padding[1].1))
                    .init(device);
                conv.weight = trainable(weight, [out_channels, per_group, kh, kw], device);
                conv.bias = Some(trainable(field::numbers_or(node, "bias", path, out_channels, 0.0)?, [out_channels], device));
                NodeModule::Conv2d(Conv2dNode { conv, input: [in_channels, h, w] })
            }
            NodeKind::Conv1d => {
                let (shape, weight) = field::numbers(node, "weight", path)?;
                let [out_channels, per_group, k] = shape[..] else { unreachable!("checked by the plan") };
                let groups = field::group_count(node, path)?;
                let in_channels = per_group * groups;
                let [dilation] = field::per_dim::<1>(node, "dilation", path)?;
                let [padding] = field::conv_padding(node, path, [k], [dilation])?;
                let [stride] = field::per_dim::<1>(node, "stride", path)?;
                let mut conv = Conv1dConfig::new(in_channels, out_channels, k)
                    .with_stride(stride)
                    .with_dilation(dilation)
                    .with_groups(groups)
                    .with_padding(PaddingConfig1d::Explicit(padding.0, padding.1))
                    .init(device);
                conv.weight = trainable(weight, [out_channels, per_group, k], device);
                conv.bias = Some(trainable(field::numbers_or(node, "bias", path, out_channels, 0.0)?, [out_channels], device));
                NodeModule::Conv1d(Conv1dNode { conv, input: [in_channels, input.iter().product::<usize>() / in_channels] })
            }
            NodeKind::SumPool2d | NodeKind::AvgPool2d => {
                let [channels, _, _] = output[..] else { unreachable!("checked by the plan") };
                let w = declared_width(node, path, input, 3)?;
                let size = [input.iter().product::<usize>() / channels / w, w];
                NodeModule::Fixed(FixedNode {
                    fixed: Fixed::Pool {
                        channels,
                        size,
                        kernel: field::per_dim::<2>(node, "kernel_size", path)?,
                        stride: field::per_dim::<2>(node, "stride", path)?,
                        padding: field::per_dim::<2>(node, "padding", path)?,
                        sum: node.kind == NodeKind::SumPool2d,
                    },
                })
            }
            NodeKind::Delay => {
                let delays = field::per_element(node, "delay", path, width)?;
                let steps = delays
                    .iter()
                    .map(|&d| {
                        let steps = f64::from(d) / dt;
                        if steps.is_finite() && steps >= -1e-3 && (steps - steps.round()).abs() <= 1e-3 * steps.max(1.0) {
                            Ok(steps.round() as usize)
                        } else {
                            Err(refused(path, format!("delays that are whole multiples of dt = {dt} s, found {d} s")))
                        }
                    })
                    .collect::<Result<Vec<usize>>>()?;
                NodeModule::Fixed(FixedNode { fixed: Fixed::Delay { steps } })
            }
            NodeKind::Scale | NodeKind::Threshold => {
                let name = if node.kind == NodeKind::Scale { "scale" } else { "threshold" };
                let values = field::per_element(node, name, path, width)?;
                NodeModule::Elementwise(ElementwiseNode { values: constant(values, device), threshold: node.kind == NodeKind::Threshold })
            }
            _ => NodeModule::Neuron(NeuronNode::build(node, path, width, dt, discretisation, device)?),
        })
    }

    /// Runs a stateless node on `[steps, batch, features]`.
    pub(crate) fn run(&self, x: Tensor<3>) -> Tensor<3> {
        let [steps, batch, features] = x.dims();
        match self {
            NodeModule::Dense(linear) => linear.forward(x),
            NodeModule::Conv2d(node) => {
                let [c, h, w] = node.input;
                let out = node.conv.forward(x.reshape([steps * batch, c, h, w]));
                out.reshape([steps as i32, batch as i32, -1])
            }
            NodeModule::Conv1d(node) => {
                let [c, l] = node.input;
                let out = node.conv.forward(x.reshape([steps * batch, c, l]));
                out.reshape([steps as i32, batch as i32, -1])
            }
            NodeModule::Elementwise(node) => {
                let values = node.values.clone().reshape([1, 1, features]);
                if node.threshold { x.greater(values).float() } else { x.mul(values) }
            }
            NodeModule::Fixed(node) => match &node.fixed {
                Fixed::PassThrough => x,
                Fixed::Pool { channels, size, kernel, stride, padding, sum } => {
                    let options = AvgPoolOptions {
                        kernel_size: *kernel,
                        stride: *stride,
                        padding: [(padding[0], padding[0]), (padding[1], padding[1])],
                        count_include_pad: true,
                        ceil_mode: false,
                    };
                    let pooled = avg_pool2d(x.reshape([steps * batch, *channels, size[0], size[1]]), options);
                    let pooled = if *sum { pooled.mul_scalar((kernel[0] * kernel[1]) as f32) } else { pooled };
                    pooled.reshape([steps as i32, batch as i32, -1])
                }
                Fixed::Delay { steps: delays } => delay(x, delays),
            },
            NodeModule::Neuron(_) => unreachable!("neurons run through NeuronNode::run"),
        }
    }
}

/// The last spatial extent of a convolution's or pooling's input: from `input_shape` when the
/// node declares it, else from the incoming shape (which then has the spatial rank).
fn declared_width(node: &NirNode, path: &str, input: &[usize], rank: usize) -> Result<usize> {
    if node.fields.contains_key("input_shape") && node.kind != NodeKind::SumPool2d && node.kind != NodeKind::AvgPool2d {
        return Ok(*field::ints(node, "input_shape", path)?.last().unwrap_or(&1) as usize);
    }
    match input.len() {
        len if len == rank => Ok(input[rank - 1]),
        _ => Err(refused(path, format!("an input of rank {rank} ([channels, spatial...]), found {input:?}"))),
    }
}

/// `y[t, :, f] = x[t − d_f, :, f]`, zeros before the first step.
fn delay(x: Tensor<3>, delays: &[usize]) -> Tensor<3> {
    let [steps, batch, features] = x.dims();
    let device = x.device();
    let mut distinct: Vec<usize> = delays.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let mut out = x.zeros_like();
    for d in distinct {
        let mask: Vec<f32> = delays.iter().map(|&e| if e == d { 1.0 } else { 0.0 }).collect();
        let mask = constant(mask, &device).reshape([1, 1, features]);
        let shifted = if d == 0 {
            x.clone()
        } else if d >= steps {
            x.zeros_like()
        } else {
            Tensor::cat(vec![Tensor::zeros([d, batch, features], (&device, x.dtype())), x.clone().slice(0..steps - d)], 0)
        };
        out = out + shifted.mul(mask);
    }
    out
}
