//! Reading a node's fields as the importer needs them, and each node's output shape.

use super::super::{NirNode, NodeKind, Value};
use super::refused;
use crate::error::Result;

/// An integer field (a scalar reads as one value).
pub(crate) fn ints(node: &NirNode, name: &str, path: &str) -> Result<Vec<i64>> {
    match node.fields.get(name) {
        Some(Value::I64 { values, .. }) => Ok(values.clone()),
        Some(value @ (Value::F32 { .. } | Value::F64 { .. })) => {
            let numbers = value.to_f64().unwrap_or_default();
            numbers
                .iter()
                .map(|v| {
                    if v.fract() == 0.0 && v.abs() < 1e15 {
                        Ok(*v as i64)
                    } else {
                        Err(refused(path, format!("whole numbers in `{name}`, found {v}")))
                    }
                })
                .collect()
        }
        Some(Value::Text(text)) => Err(refused(path, format!("integers in `{name}`, found the string {text:?}"))),
        None => Err(refused(path, format!("the field `{name}`"))),
    }
}

/// A float field with its shape (f64 and integer storage are converted).
pub(crate) fn numbers(node: &NirNode, name: &str, path: &str) -> Result<(Vec<usize>, Vec<f32>)> {
    match node.fields.get(name) {
        Some(value) => match value.to_f64() {
            Some(numbers) => Ok((value.shape().to_vec(), numbers.into_iter().map(|v| v as f32).collect())),
            None => Err(refused(path, format!("numbers in `{name}`"))),
        },
        None => Err(refused(path, format!("the field `{name}`"))),
    }
}

/// An optional float field, or `default` for each of `count` values.
pub(crate) fn numbers_or(node: &NirNode, name: &str, path: &str, count: usize, default: f32) -> Result<Vec<f32>> {
    if node.fields.contains_key(name) { per_element(node, name, path, count) } else { Ok(vec![default; count]) }
}

/// A float field as `count` values: a scalar or one-element array is repeated.
pub(crate) fn per_element(node: &NirNode, name: &str, path: &str, count: usize) -> Result<Vec<f32>> {
    let (shape, values) = numbers(node, name, path)?;
    match values.len() {
        1 => Ok(vec![values[0]; count]),
        len if len == count => Ok(values),
        _ => Err(refused(path, format!("`{name}` of one value or {count} (one per neuron), found shape {shape:?}"))),
    }
}

/// `n` per-dimension values from a field holding one (applied to every dimension) or `n`.
pub(crate) fn per_dim<const N: usize>(node: &NirNode, name: &str, path: &str) -> Result<[usize; N]> {
    let values = ints(node, name, path)?;
    if values.iter().any(|v| *v < 0) {
        return Err(refused(path, format!("non-negative `{name}`, found {values:?}")));
    }
    match values.len() {
        1 => Ok([values[0] as usize; N]),
        len if len == N => Ok(std::array::from_fn(|i| values[i] as usize)),
        _ => Err(refused(path, format!("`{name}` of 1 or {N} values, found {values:?}"))),
    }
}

/// The shape a neuron, `Scale`, `Delay` or `Threshold` node's parameters give it (`None` for
/// scalar parameters, which take their shape from the input).
fn parameter_shape(node: &NirNode) -> Option<Vec<usize>> {
    node.fields.values().find(|v| !matches!(v, Value::Text(_))).map(|v| v.shape().to_vec()).filter(|shape| !shape.is_empty())
}

/// The input shape a node declares by itself (weights, parameters, `input_shape`), if any.
pub(crate) fn own_shape(node: &NirNode, path: &str) -> Result<Option<Vec<usize>>> {
    Ok(match node.kind {
        NodeKind::Affine | NodeKind::Linear => {
            let (shape, _) = numbers(node, "weight", path)?;
            shape.last().map(|cols| vec![*cols])
        }
        NodeKind::Conv2d if node.fields.contains_key("input_shape") => {
            let (shape, _) = numbers(node, "weight", path)?;
            let [h, w] = per_dim::<2>(node, "input_shape", path)?;
            Some(vec![shape[1] * group_count(node, path)?, h, w])
        }
        NodeKind::Conv1d if node.fields.contains_key("input_shape") => {
            let (shape, _) = numbers(node, "weight", path)?;
            let [l] = per_dim::<1>(node, "input_shape", path)?;
            Some(vec![shape[1] * group_count(node, path)?, l])
        }
        kind if kind.is_neuron() || matches!(kind, NodeKind::Scale | NodeKind::Delay | NodeKind::Threshold) => parameter_shape(node),
        _ => None,
    })
}

/// A convolution's `groups` (1 when absent).
pub(crate) fn group_count(node: &NirNode, path: &str) -> Result<usize> {
    if !node.fields.contains_key("groups") {
        return Ok(1);
    }
    let [groups] = per_dim::<1>(node, "groups", path)?;
    if groups == 0 {
        return Err(refused(path, "`groups` of at least 1".into()));
    }
    Ok(groups)
}

/// A convolution's padding as (begin, end) per spatial dimension: integers, `"valid"`, or
/// `"same"` (PyTorch's: the total `d·(k − 1)` split with the smaller half first).
pub(crate) fn conv_padding<const N: usize>(node: &NirNode, path: &str, kernel: [usize; N], dilation: [usize; N]) -> Result<[(usize, usize); N]> {
    match node.fields.get("padding") {
        Some(Value::Text(text)) if text == "valid" => Ok([(0, 0); N]),
        Some(Value::Text(text)) if text == "same" => Ok(std::array::from_fn(|i| {
            let total = dilation[i] * (kernel[i] - 1);
            (total / 2, total - total / 2)
        })),
        Some(Value::Text(text)) => Err(refused(path, format!("`padding` of integers, \"same\" or \"valid\", found {text:?}"))),
        Some(_) => Ok(per_dim::<N>(node, "padding", path)?.map(|p| (p, p))),
        None => Ok([(0, 0); N]),
    }
}

/// `floor((n + pad − d·(k − 1) − 1)/s) + 1`, or an error when the window does not fit.
pub(crate) fn sliding(n: usize, pad: (usize, usize), dilation: usize, kernel: usize, stride: usize, path: &str) -> Result<usize> {
    let span = dilation * (kernel.max(1) - 1) + 1;
    let padded = n + pad.0 + pad.1;
    if kernel == 0 || stride == 0 || dilation == 0 || padded < span {
        return Err(refused(
            path,
            format!("a window (kernel {kernel}, dilation {dilation}, stride {stride}) that fits an input of {n} with padding {pad:?}"),
        ));
    }
    Ok((padded - span) / stride + 1)
}

/// The input reshaped to `[channels, spatial...]` for a convolution or pooling.
fn spatial_input(input: &[usize], rank: usize, declared: Option<Vec<usize>>, path: &str) -> Result<Vec<usize>> {
    let width: usize = input.iter().product();
    if let Some(declared) = declared {
        if declared.iter().product::<usize>() != width {
            return Err(refused(path, format!("an input of shape {declared:?} (its weights and `input_shape`), found {input:?}")));
        }
        return Ok(declared);
    }
    if input.len() != rank {
        return Err(refused(path, format!("an input of rank {rank} ([channels, spatial...]), found {input:?}")));
    }
    Ok(input.to_vec())
}

/// The node's per-example output shape for an input of `input` shape.
pub(crate) fn output_shape(node: &NirNode, input: &[usize], path: &str) -> Result<Vec<usize>> {
    let width: usize = input.iter().product();
    let same_size = |expected: Vec<usize>| -> Result<Vec<usize>> {
        if expected.iter().product::<usize>() != width {
            return Err(refused(
                path,
                format!("an input of {} values per example (shape {expected:?}), found {input:?}", expected.iter().product::<usize>()),
            ));
        }
        Ok(expected)
    };
    match node.kind {
        NodeKind::Input => Ok(input.to_vec()),
        NodeKind::Output => {
            if node.fields.contains_key("shape") {
                let declared: Vec<usize> = ints(node, "shape", path)?.iter().map(|&d| d.max(0) as usize).collect();
                same_size(declared)?;
            }
            Ok(input.to_vec())
        }
        NodeKind::Graph => Err(refused(path, "no nested graph left after inlining".into())),
        NodeKind::Affine | NodeKind::Linear => {
            let (shape, _) = numbers(node, "weight", path)?;
            let [rows, cols] = shape[..] else {
                return Err(refused(path, format!("a 2-D `weight` [out, in], found shape {shape:?}")));
            };
            same_size(vec![cols])?;
            Ok(vec![rows])
        }
        NodeKind::Conv2d => conv_output::<2>(node, input, path),
        NodeKind::Conv1d => conv_output::<1>(node, input, path),
        NodeKind::SumPool2d | NodeKind::AvgPool2d => {
            let shape = spatial_input(input, 3, None, path)?;
            let kernel = per_dim::<2>(node, "kernel_size", path)?;
            let stride = per_dim::<2>(node, "stride", path)?;
            let padding = per_dim::<2>(node, "padding", path)?;
            Ok(vec![
                shape[0],
                sliding(shape[1], (padding[0], padding[0]), 1, kernel[0], stride[0], path)?,
                sliding(shape[2], (padding[1], padding[1]), 1, kernel[1], stride[1], path)?,
            ])
        }
        NodeKind::Flatten => {
            let rank = input.len() as i64;
            let dim = |name: &str, default: i64| -> Result<usize> {
                let value = if node.fields.contains_key(name) { ints(node, name, path)?.first().copied().unwrap_or(default) } else { default };
                let resolved = if value < 0 { value + rank } else { value };
                if !(0..rank).contains(&resolved) {
                    return Err(refused(path, format!("`{name}` within the input's {rank} dimensions (batch excluded), found {value}")));
                }
                Ok(resolved as usize)
            };
            let (start, end) = (dim("start_dim", 0)?, dim("end_dim", -1)?);
            if start > end {
                return Err(refused(path, format!("start_dim ≤ end_dim, found {start} > {end}")));
            }
            let mut out = input[..start].to_vec();
            out.push(input[start..=end].iter().product());
            out.extend_from_slice(&input[end + 1..]);
            Ok(out)
        }
        _ => match parameter_shape(node) {
            Some(shape) => same_size(shape),
            None => Ok(input.to_vec()),
        },
    }
}

/// An `N`-d convolution's output shape `[out_channels, spatial...]` (PyTorch semantics).
fn conv_output<const N: usize>(node: &NirNode, input: &[usize], path: &str) -> Result<Vec<usize>> {
    let (weight, _) = numbers(node, "weight", path)?;
    if weight.len() != N + 2 {
        return Err(refused(path, format!("a {}-D `weight` [out, in/groups, kernel...], found shape {weight:?}", N + 2)));
    }
    let kernel: [usize; N] = std::array::from_fn(|d| weight[2 + d]);
    let shape = spatial_input(input, N + 1, own_shape(node, path)?, path)?;
    let channels = weight[1] * group_count(node, path)?;
    if shape[0] != channels {
        return Err(refused(path, format!("{channels} input channels (weight and groups), found {}", shape[0])));
    }
    let stride = per_dim::<N>(node, "stride", path)?;
    let dilation = per_dim::<N>(node, "dilation", path)?;
    let padding = conv_padding(node, path, kernel, dilation)?;
    let mut out = vec![weight[0]];
    for d in 0..N {
        out.push(sliding(shape[1 + d], padding[d], dilation[d], kernel[d], stride[d], path)?);
    }
    Ok(out)
}
