//! NIR's HDF5 layout, read and written with the pure-Rust `hdf5-pure` (no libhdf5 to install).
//!
//! Written as `nir.write` writes (`nir.read` accepts nothing else): every string a scalar
//! variable-length UTF-8 dataset, arrays gzip-compressed (level 4, one chunk), integer
//! hyper-parameters and scalars uncompressed, an empty edge list a float64 `(0,)` dataset.

use std::collections::BTreeMap;
use std::path::Path;

use hdf5_pure::{DType, Dataset, File, FileBuilder, Group, GroupBuilder, make_f64_type};

use super::{NirGraph, NirNode, NodeKind, Value};
use crate::error::{NeuroError, Result};

/// The format version written to `/version`.
pub const NIR_VERSION: &str = "1.0.8";

fn io(path: &Path, detail: impl Into<String>) -> NeuroError {
    NeuroError::Io { path: path.display().to_string(), detail: detail.into() }
}

/// Reads a NIR file and checks it ([`NirGraph::validate`]).
pub fn read(path: &Path) -> Result<NirGraph> {
    let file = File::open(path).map_err(|e| io(path, format!("not a readable HDF5 file: {e}")))?;
    let root = file.group("node").map_err(|e| io(path, format!("no `node` group, so not a NIR file: {e}")))?;
    let graph = read_graph(&root, path, "")?;
    graph.validate().map_err(|e| io(path, e.to_string()))?;
    Ok(graph)
}

fn read_graph(group: &Group, path: &Path, at: &str) -> Result<NirGraph> {
    let kind = read_type(group, path, at)?;
    if kind != NodeKind::Graph {
        return Err(io(path, format!("{}: a NIRGraph, found a {} node", where_(at), kind.name())));
    }
    let nodes_group = group.group("nodes").map_err(|e| io(path, format!("{}: no `nodes` group: {e}", where_(at))))?;
    let mut nodes = BTreeMap::new();
    let children = nodes_group.iter_groups().map_err(|e| io(path, format!("{}: listing nodes: {e}", where_(at))))?;
    for (name, child) in children {
        let node_at = format!("{at}{name}");
        nodes.insert(name, read_node(&child, path, &node_at)?);
    }
    let edges = read_edges(group, path, at)?;
    let metadata = read_metadata(group, path, at)?;
    Ok(NirGraph { nodes, edges, metadata })
}

fn where_(at: &str) -> String {
    if at.is_empty() { "the top-level graph".into() } else { format!("node `{at}`") }
}

fn read_type(group: &Group, path: &Path, at: &str) -> Result<NodeKind> {
    let dataset = group.dataset("type").map_err(|_| io(path, format!("{}: no `type` dataset", where_(at))))?;
    let name = read_text(&dataset, path, &format!("{}: `type`", where_(at)))?;
    NodeKind::from_name(&name).ok_or_else(|| io(path, format!("{}: unknown node type {name:?} (NIR 1.0.8 defines Affine, Linear, Scale, Conv1d, Conv2d, SumPool2d, AvgPool2d, Flatten, Delay, Input, Output, NIRGraph, I, IF, LI, LIF, CubaLI, CubaLIF, Threshold)", where_(at))))
}

fn read_text(dataset: &Dataset, path: &Path, what: &str) -> Result<String> {
    let mut strings = dataset.read_string().map_err(|e| io(path, format!("{what} is not a string: {e}")))?;
    match (dataset.shape().map_err(|e| io(path, e.to_string()))?.len(), strings.len()) {
        (0, 1) => Ok(strings.pop().unwrap_or_default()),
        _ => Err(io(path, format!("{what} is not one scalar string (nir.read needs a scalar)"))),
    }
}

fn read_node(group: &Group, path: &Path, at: &str) -> Result<NirNode> {
    let kind = read_type(group, path, at)?;
    if kind == NodeKind::Graph {
        return Ok(NirNode::subgraph(read_graph(group, path, &format!("{at}."))?));
    }
    let mut fields = BTreeMap::new();
    let names = group.datasets().map_err(|e| io(path, format!("{}: listing fields: {e}", where_(at))))?;
    for name in names.into_iter().filter(|n| n != "type") {
        let dataset = group.dataset(&name).map_err(|e| io(path, format!("{}: `{name}`: {e}", where_(at))))?;
        fields.insert(name.clone(), read_value(&dataset, path, &format!("{}: `{name}`", where_(at)))?);
    }
    let metadata = read_metadata(group, path, at)?;
    Ok(NirNode { kind, fields, graph: None, metadata })
}

fn read_value(dataset: &Dataset, path: &Path, what: &str) -> Result<Value> {
    let failed = |e: hdf5_pure::Error| io(path, format!("{what}: {e}"));
    let shape: Vec<usize> = dataset.shape().map_err(failed)?.into_iter().map(|d| d as usize).collect();
    Ok(match dataset.dtype().map_err(failed)? {
        DType::F32 => Value::F32 { shape, values: dataset.read_f32().map_err(failed)? },
        DType::F64 => Value::F64 { shape, values: dataset.read_f64().map_err(failed)? },
        DType::I8 | DType::I16 | DType::I32 | DType::I64 | DType::U8 | DType::U16 | DType::U32 => {
            Value::I64 { shape, values: dataset.read_i64().map_err(failed)? }
        }
        DType::String | DType::VariableLengthString => Value::Text(read_text(dataset, path, what)?),
        other => return Err(io(path, format!("{what} is stored as {other}, which NIR does not use (floats, integers or a string)"))),
    })
}

fn read_edges(group: &Group, path: &Path, at: &str) -> Result<Vec<(String, String)>> {
    let dataset = group.dataset("edges").map_err(|_| io(path, format!("{}: no `edges` dataset", where_(at))))?;
    let shape = dataset.shape().map_err(|e| io(path, e.to_string()))?;
    // nir writes an empty edge list as a float64 (0,) dataset.
    if shape.iter().product::<u64>() == 0 {
        return Ok(Vec::new());
    }
    if shape.len() != 2 || shape[1] != 2 {
        return Err(io(path, format!("{}: `edges` has shape {shape:?}, expected [E, 2] (source, target) names", where_(at))));
    }
    let flat = dataset.read_string().map_err(|e| io(path, format!("{}: `edges` are not strings: {e}", where_(at))))?;
    Ok(flat.chunks_exact(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect())
}

fn read_metadata(group: &Group, path: &Path, at: &str) -> Result<BTreeMap<String, Value>> {
    let mut metadata = BTreeMap::new();
    let has = group.groups().map_err(|e| io(path, e.to_string()))?.iter().any(|g| g == "metadata");
    if has {
        let meta = group.group("metadata").map_err(|e| io(path, e.to_string()))?;
        let datasets = meta.iter_datasets().map_err(|e| io(path, e.to_string()))?;
        for (name, dataset) in datasets {
            let value = read_value(&dataset, path, &format!("{}: metadata `{name}`", where_(at)))?;
            metadata.insert(name, value);
        }
    }
    Ok(metadata)
}

/// Writes `graph` (checked first) as `nir.write` would.
pub fn write(path: &Path, graph: &NirGraph) -> Result<()> {
    graph.validate()?;
    let mut builder = FileBuilder::new();
    builder.create_dataset("version").with_vlen_strings(&[NIR_VERSION]).with_shape(&[]);
    let mut root = builder.create_group("node");
    write_graph(&mut root, graph);
    builder.add_group(root.finish());
    builder.write(path).map_err(|e| io(path, format!("writing: {e}")))
}

fn write_graph(group: &mut GroupBuilder, graph: &NirGraph) {
    group.create_dataset("type").with_vlen_strings(&[NodeKind::Graph.name()]).with_shape(&[]);
    let mut nodes = group.create_group("nodes");
    for (name, node) in &graph.nodes {
        let mut child = nodes.create_group(name);
        match &node.graph {
            Some(sub) => write_graph(&mut child, sub),
            None => {
                child.create_dataset("type").with_vlen_strings(&[node.kind.name()]).with_shape(&[]);
                for (field, value) in &node.fields {
                    write_value(&mut child, field, value);
                }
            }
        }
        write_metadata(&mut child, &node.metadata);
        nodes.add_group(child.finish());
    }
    group.add_group(nodes.finish());
    if graph.edges.is_empty() {
        group.create_dataset("edges").with_dtype(make_f64_type()).with_shape(&[0]);
    } else {
        let flat: Vec<&str> = graph.edges.iter().flat_map(|(a, b)| [a.as_str(), b.as_str()]).collect();
        group.create_dataset("edges").with_vlen_strings(&flat).with_shape(&[graph.edges.len() as u64, 2]);
    }
    write_metadata(group, &graph.metadata);
}

fn write_metadata(group: &mut GroupBuilder, metadata: &BTreeMap<String, Value>) {
    if metadata.is_empty() {
        return;
    }
    let mut meta = group.create_group("metadata");
    for (name, value) in metadata {
        write_value(&mut meta, name, value);
    }
    group.add_group(meta.finish());
}

fn write_value(group: &mut GroupBuilder, name: &str, value: &Value) {
    let dims: Vec<u64> = value.shape().iter().map(|d| *d as u64).collect();
    let dataset = group.create_dataset(name);
    match value {
        Value::F32 { values, .. } => dataset.with_f32_data(values).with_shape(&dims),
        Value::F64 { values, .. } => dataset.with_f64_data(values).with_shape(&dims),
        Value::I64 { values, .. } => dataset.with_i64_data(values).with_shape(&dims),
        Value::Text(text) => dataset.with_vlen_strings(&[text]).with_shape(&[]),
    };
    // Float arrays compressed like h5py's gzip default; scalars cannot be chunked.
    if matches!(value, Value::F32 { .. } | Value::F64 { .. }) && !dims.is_empty() && !dims.contains(&0) {
        dataset.with_chunks(&dims).with_deflate(4);
    }
}
