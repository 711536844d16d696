//! Our layers as a NIR graph: a chain of layers → `input → 0 → 1 → … → output`, with the
//! discrete-time parameters turned into NIR's continuous-time ones the way snnTorch's exporter
//! does, so the file means the same in every tool that reads NIR.
//!
//! With time step `dt` (snnTorch writes 1e-4 s):
//! - `Leaky` (β, θ) → `LIF` with τ = dt/(1 − β), R = τ/dt, v_leak = 0, v_threshold = θ,
//!   v_reset = 0: Euler's step of τ·dv/dt = −v + R·I is then exactly v ← β·v + I;
//! - `Synaptic` (α, β, θ) → `CubaLIF` with τ_syn = dt/(1 − α), τ_mem = dt/(1 − β),
//!   R = τ_mem/dt, w_in = τ_syn/dt;
//! - `burn::nn::Linear` → `Affine` (or `Linear` without a bias), its `[in, out]` weight
//!   transposed to NIR's `[out, in]`; `Conv2d` (explicit or no padding) → `Conv2d`;
//!   flattening → `Flatten`; average pooling → `AvgPool2d`;
//! - `RLeaky`/`RSynaptic` → a nested graph `input → lif ⇄ w_rec`, `lif → output` (`w_rec` the
//!   all-to-all `Affine`, or the one-to-one V as a diagonal `Linear`), as snnTorch writes it.
//!
//! NIR's neurons reset to v_reset (our `ResetMode::Zero`); a `Subtract` reset has no NIR
//! equivalent, and neither has a zero reset delayed to the next step (`ResetMode::ZeroAll` with
//! `reset_delay`, which zeroes that step's input too), so they are refused unless
//! [`ExportOptions::allow_reset_change`] says to write them as a reset to zero (what
//! snnTorch's exporter does silently).

use burn::nn::conv::Conv2d;
use burn::nn::{Linear, PaddingConfig2d};
use burn::tensor::Tensor;

use super::{NirGraph, NirNode, NodeKind, Value};
use crate::error::{NeuroError, Result};
use crate::neuron::{LifSpec, ResetMode};
use crate::snn::{Leaky, RLeaky, Synaptic};

/// snnTorch's export time step.
pub const SNNTORCH_DT: f64 = 1e-4;

/// One layer of a chain to export.
pub enum ExportLayer<'a> {
    /// A dense layer.
    Linear(&'a Linear),
    /// A 2-D convolution (explicit or no padding).
    Conv2d(&'a Conv2d),
    /// Average pooling over `kernel` with `stride`, no padding.
    AvgPool2d {
        /// Window.
        kernel: [usize; 2],
        /// Step.
        stride: [usize; 2],
    },
    /// Flattens every dimension after the batch.
    Flatten,
    /// snnTorch's first-order LIF.
    Leaky(&'a Leaky),
    /// snnTorch's current-based LIF.
    Synaptic(&'a Synaptic),
    /// snnTorch's recurrent LIF (`RSynaptic` when it has α): a nested graph
    /// `input → lif ⇄ w_rec`, `lif → output` with `w_rec` the all-to-all `Affine` or the
    /// one-to-one weight as a diagonal `Linear`, as snnTorch's exporter writes it.
    RLeaky(&'a RLeaky),
}

/// How to export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExportOptions {
    /// Time step (s) the discrete parameters are taken to mean.
    pub dt: f64,
    /// Write a `Subtract` reset as NIR's reset to zero instead of refusing it.
    pub allow_reset_change: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions { dt: SNNTORCH_DT, allow_reset_change: false }
    }
}

fn values(tensor: Tensor<1>) -> Vec<f32> {
    tensor.into_data().iter::<f32>().collect()
}

fn refused(value: String, expected: &str) -> NeuroError {
    NeuroError::Range { argument: "layers", value, expected: expected.into() }
}

/// `n` values: a per-neuron vector as it is, a single value repeated.
fn per_neuron(values: Vec<f32>, n: usize, layer: usize, what: &str) -> Result<Vec<f32>> {
    match values.len() {
        1 => Ok(vec![values[0]; n]),
        len if len == n => Ok(values),
        len => Err(refused(format!("layer {layer}: {len} {what} values"), &format!("1 or {n} (the width of the layer before it)"))),
    }
}

/// τ = dt/(1 − decay) for each decay, which must lie in [0, 1).
fn time_constants(decays: &[f32], dt: f64, layer: usize, what: &str) -> Result<Vec<f32>> {
    decays
        .iter()
        .map(|&d| {
            if (0.0..1.0).contains(&d) {
                Ok((dt / (1.0 - f64::from(d))) as f32)
            } else {
                Err(refused(format!("layer {layer}: {what} = {d}"), "a decay in [0, 1) (1 never decays: no finite NIR time constant)"))
            }
        })
        .collect()
}

fn check_reset(spec: &LifSpec, options: &ExportOptions, layer: usize) -> Result<()> {
    match spec.reset {
        // Zeroing the whole next potential (input included) a step late is not NIR's reset.
        ResetMode::ZeroAll if spec.reset_delay && !options.allow_reset_change => Err(refused(
            format!("layer {layer}: a zero reset delayed to the next step (reset_delay = true), which zeroes that step's input too"),
            "reset_delay = false (NIR resets v to v_reset in the spike's step), or ExportOptions::allow_reset_change",
        )),
        ResetMode::Subtract if !options.allow_reset_change => Err(refused(
            format!("layer {layer}: a Subtract reset"),
            "a reset NIR can hold (ResetMode::Zero), or ExportOptions::allow_reset_change to write it as a reset to zero",
        )),
        ResetMode::None => Err(refused(format!("layer {layer}: no reset"), "a neuron that resets (NIR's LIF always resets to v_reset)")),
        _ => Ok(()),
    }
}

fn check_binary(graded: bool, layer: usize) -> Result<()> {
    if graded {
        return Err(refused(format!("layer {layer}: graded spikes"), "binary spikes (NIR's neurons emit spikes of 1)"));
    }
    Ok(())
}

fn array(values: Vec<f32>) -> Value {
    Value::f32(vec![values.len()], values)
}

/// The chain `layers` on inputs of shape `input_shape` (no batch or time dimension) as a NIR
/// graph; shapes are followed through the chain so neuron parameters get one value per neuron.
pub fn export_chain(layers: &[ExportLayer], input_shape: &[usize], options: &ExportOptions) -> Result<NirGraph> {
    if !(options.dt.is_finite() && options.dt > 0.0) {
        return Err(NeuroError::Range { argument: "dt", value: options.dt.to_string(), expected: "a positive time step in seconds".into() });
    }
    let mut graph = NirGraph::default();
    let int_shape = |shape: &[usize]| Value::i64(vec![shape.len()], shape.iter().map(|d| *d as i64).collect());
    graph.nodes.insert("input".into(), NirNode::new(NodeKind::Input, [("shape", int_shape(input_shape))]));
    let mut shape = input_shape.to_vec();
    let mut previous = "input".to_string();
    for (index, layer) in layers.iter().enumerate() {
        let width: usize = shape.iter().product();
        let node = match layer {
            ExportLayer::Linear(linear) => {
                let [inputs, outputs] = linear.weight.dims();
                if shape != [inputs] {
                    return Err(refused(
                        format!("layer {index}: a Linear of {inputs} inputs after shape {shape:?}"),
                        "a flat input of the Linear's width",
                    ));
                }
                let transposed: Vec<f32> = linear.weight.val().transpose().into_data().iter::<f32>().collect();
                shape = vec![outputs];
                let weight = Value::f32(vec![outputs, inputs], transposed);
                match &linear.bias {
                    Some(bias) => NirNode::new(NodeKind::Affine, [("weight", weight), ("bias", array(values(bias.val())))]),
                    None => NirNode::new(NodeKind::Linear, [("weight", weight)]),
                }
            }
            ExportLayer::Conv2d(conv) => {
                let [out_channels, _, kh, kw] = conv.weight.dims();
                let [_, height, width] = shape[..] else {
                    return Err(refused(format!("layer {index}: a Conv2d after shape {shape:?}"), "a [C, H, W] input"));
                };
                let (pad_h, pad_w) = match conv.padding {
                    PaddingConfig2d::Valid => (0, 0),
                    PaddingConfig2d::Explicit(top, left, bottom, right) if top == bottom && left == right => (top, left),
                    ref other => return Err(refused(format!("layer {index}: padding {other:?}"), "Valid or symmetric Explicit padding")),
                };
                let out = |n: usize, p: usize, d: usize, k: usize, s: usize| (n + 2 * p - d * (k - 1) - 1) / s + 1;
                let (oh, ow) = (out(height, pad_h, conv.dilation[0], kh, conv.stride[0]), out(width, pad_w, conv.dilation[1], kw, conv.stride[1]));
                let weight: Vec<f32> = conv.weight.val().into_data().iter::<f32>().collect();
                let bias = conv.bias.as_ref().map_or(vec![0.0; out_channels], |b| values(b.val()));
                let pair = |a: usize, b: usize| Value::i64(vec![2], vec![a as i64, b as i64]);
                let node = NirNode::new(
                    NodeKind::Conv2d,
                    [
                        ("weight", Value::f32(conv.weight.dims().to_vec(), weight)),
                        ("bias", array(bias)),
                        ("stride", pair(conv.stride[0], conv.stride[1])),
                        ("padding", pair(pad_h, pad_w)),
                        ("dilation", pair(conv.dilation[0], conv.dilation[1])),
                        ("groups", Value::i64(vec![], vec![conv.groups as i64])),
                        ("input_shape", pair(height, width)),
                    ],
                );
                shape = vec![out_channels, oh, ow];
                node
            }
            ExportLayer::AvgPool2d { kernel, stride } => {
                let [channels, height, width] = shape[..] else {
                    return Err(refused(format!("layer {index}: pooling after shape {shape:?}"), "a [C, H, W] input"));
                };
                if kernel[0] > height || kernel[1] > width || stride.contains(&0) || kernel.contains(&0) {
                    return Err(refused(
                        format!("layer {index}: pooling {kernel:?} by {stride:?} on {height}×{width}"),
                        "a window within the input and steps of at least 1",
                    ));
                }
                shape = vec![channels, (height - kernel[0]) / stride[0] + 1, (width - kernel[1]) / stride[1] + 1];
                let pair = |v: [usize; 2]| Value::i64(vec![2], vec![v[0] as i64, v[1] as i64]);
                NirNode::new(NodeKind::AvgPool2d, [("kernel_size", pair(*kernel)), ("stride", pair(*stride)), ("padding", pair([0, 0]))])
            }
            ExportLayer::Flatten => {
                let node = NirNode::new(
                    NodeKind::Flatten,
                    [("start_dim", Value::i64(vec![], vec![0])), ("end_dim", Value::i64(vec![], vec![-1])), ("input_type", int_shape(&shape))],
                );
                shape = vec![width];
                node
            }
            ExportLayer::Leaky(leaky) => {
                check_reset(&leaky.spec, options, index)?;
                check_binary(leaky.graded_spikes.is_some(), index)?;
                let beta = per_neuron(values(leaky.beta.val()), width, index, "β")?;
                let threshold = per_neuron(values(leaky.threshold.val()), width, index, "θ")?;
                lif_node(&beta, &threshold, options.dt, index)?
            }
            ExportLayer::Synaptic(synaptic) => {
                check_reset(&synaptic.spec, options, index)?;
                check_binary(synaptic.graded_spikes.is_some(), index)?;
                let alpha = per_neuron(values(synaptic.alpha.val()), width, index, "α")?;
                let beta = per_neuron(values(synaptic.beta.val()), width, index, "β")?;
                let threshold = per_neuron(values(synaptic.threshold.val()), width, index, "θ")?;
                cuba_lif_node(&alpha, &beta, &threshold, options.dt, index)?
            }
            ExportLayer::RLeaky(layer) => recurrent_node(layer, &shape, options, index)?,
        };
        let name = index.to_string();
        graph.nodes.insert(name.clone(), node);
        graph.edges.push((previous, name.clone()));
        previous = name;
    }
    graph.nodes.insert("output".into(), NirNode::new(NodeKind::Output, [("shape", int_shape(&shape))]));
    graph.edges.push((previous, "output".into()));
    graph.validate()?;
    Ok(graph)
}

/// `LIF` for a `Leaky` (β, θ) per neuron.
fn lif_node(beta: &[f32], threshold: &[f32], dt: f64, layer: usize) -> Result<NirNode> {
    let width = beta.len();
    let tau = time_constants(beta, dt, layer, "β")?;
    let r: Vec<f32> = tau.iter().map(|t| (f64::from(*t) / dt) as f32).collect();
    Ok(NirNode::new(
        NodeKind::Lif,
        [
            ("tau", array(tau)),
            ("r", array(r)),
            ("v_leak", array(vec![0.0; width])),
            ("v_threshold", array(threshold.to_vec())),
            ("v_reset", array(vec![0.0; width])),
        ],
    ))
}

/// `CubaLIF` for a `Synaptic` (α, β, θ) per neuron.
fn cuba_lif_node(alpha: &[f32], beta: &[f32], threshold: &[f32], dt: f64, layer: usize) -> Result<NirNode> {
    let width = beta.len();
    let tau_syn = time_constants(alpha, dt, layer, "α")?;
    let tau_mem = time_constants(beta, dt, layer, "β")?;
    let per_dt = |taus: &[f32]| taus.iter().map(|t| (f64::from(*t) / dt) as f32).collect::<Vec<f32>>();
    Ok(NirNode::new(
        NodeKind::CubaLif,
        [
            ("tau_syn", array(tau_syn.clone())),
            ("tau_mem", array(tau_mem.clone())),
            ("r", array(per_dt(&tau_mem))),
            ("v_leak", array(vec![0.0; width])),
            ("v_threshold", array(threshold.to_vec())),
            ("v_reset", array(vec![0.0; width])),
            ("w_in", array(per_dt(&tau_syn))),
        ],
    ))
}

/// An `RLeaky`/`RSynaptic` as the nested graph snnTorch's exporter writes.
fn recurrent_node(layer: &RLeaky, shape: &[usize], options: &ExportOptions, index: usize) -> Result<NirNode> {
    let n = layer.features;
    if shape != [n] {
        return Err(refused(format!("layer {index}: an RLeaky of {n} features after shape {shape:?}"), "a flat input of the layer's width"));
    }
    check_reset(&layer.spec, options, index)?;
    check_binary(layer.graded_spikes.is_some(), index)?;
    let beta = per_neuron(values(layer.beta.val()), n, index, "β")?;
    let threshold = per_neuron(values(layer.threshold.val()), n, index, "θ")?;
    let neuron = match &layer.alpha {
        Some(alpha) => cuba_lif_node(&per_neuron(values(alpha.val()), n, index, "α")?, &beta, &threshold, options.dt, index)?,
        None => lif_node(&beta, &threshold, options.dt, index)?,
    };
    let w_rec = match (&layer.all_to_all, &layer.one_to_one) {
        (Some(linear), _) => {
            let weight = Value::f32(vec![n, n], linear.weight.val().transpose().into_data().iter::<f32>().collect());
            match &linear.bias {
                Some(bias) => NirNode::new(NodeKind::Affine, [("weight", weight), ("bias", array(values(bias.val())))]),
                None => NirNode::new(NodeKind::Linear, [("weight", weight)]),
            }
        }
        (None, Some(v)) => {
            let v = per_neuron(values(v.val()), n, index, "V")?;
            let mut diagonal = vec![0.0; n * n];
            for (i, value) in v.iter().enumerate() {
                diagonal[i * n + i] = *value;
            }
            NirNode::new(NodeKind::Linear, [("weight", Value::f32(vec![n, n], diagonal))])
        }
        (None, None) => return Err(refused(format!("layer {index}: an RLeaky without recurrent weights"), "all-to-all or one-to-one recurrence")),
    };
    let port = || Value::i64(vec![1], vec![n as i64]);
    let mut graph = NirGraph::default();
    graph.nodes.insert("input".into(), NirNode::new(NodeKind::Input, [("shape", port())]));
    graph.nodes.insert("lif".into(), neuron);
    graph.nodes.insert("w_rec".into(), w_rec);
    graph.nodes.insert("output".into(), NirNode::new(NodeKind::Output, [("shape", port())]));
    for (a, b) in [("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")] {
        graph.edges.push((a.into(), b.into()));
    }
    Ok(NirNode::subgraph(graph))
}
