//! NIR, the neuromorphic field's model-exchange format (the `nir` Python package, 1.0.8): a
//! graph of nodes in continuous time, stored in HDF5. snnTorch, Norse, SpikingJelly, Sinabs,
//! Rockpool and Lava read and write it.
//!
//! This module reads and writes the files themselves, in pure Rust (no libhdf5): [`read`]
//! gives a checked [`NirGraph`] — every node's type known, every field it needs present, no
//! field it does not take, parameter shapes consistent, every edge between existing nodes —
//! and [`write()`] stores one the way `nir.write` does, so `nir.read` accepts it. The layout:
//!
//! ```text
//! /version                 "1.0.8" (scalar string)
//! /node/type               "NIRGraph"
//! /node/edges              [E, 2] strings (source, target)
//! /node/nodes/<name>/type  the node type ("Affine", "LIF", "NIRGraph", ...)
//! /node/nodes/<name>/<field>  its parameters (arrays, integers or a string)
//! ```
//!
//! [`import()`] turns a graph into a runnable, trainable [`NirModel`] (the time step and the
//! discretisation made explicit in [`ImportOptions`]).
//!
//! [`export_chain`] turns a chain of our layers (`Linear`, `Conv2d`, pooling, flattening,
//! `Leaky`, `Synaptic`) into a graph, with snnTorch's mapping of discrete to continuous time.
//!
//! ```no_run
//! let graph = burn_neuro::nir::read(std::path::Path::new("model.nir"))?;
//! for (name, node) in &graph.nodes {
//!     println!("{name}: {}", node.summary());
//! }
//! # Ok::<(), burn_neuro::NeuroError>(())
//! ```

pub mod export;
mod file;
pub mod import;
mod schema;

use std::collections::BTreeMap;

pub use export::{ExportLayer, ExportOptions, export_chain};
pub use file::{read, write};
pub use import::{Discretisation, ImportOptions, NirModel, NirRun, import};
pub use schema::NodeKind;

/// One stored value: a float or integer array (`shape` empty for a scalar) or a string.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// 32-bit floats.
    F32 {
        /// Dimensions, row-major.
        shape: Vec<usize>,
        /// The elements.
        values: Vec<f32>,
    },
    /// 64-bit floats (snnTorch writes some parameters in f64).
    F64 {
        /// Dimensions, row-major.
        shape: Vec<usize>,
        /// The elements.
        values: Vec<f64>,
    },
    /// Integers (kernel sizes, strides, shapes, dimensions).
    I64 {
        /// Dimensions, row-major.
        shape: Vec<usize>,
        /// The elements.
        values: Vec<i64>,
    },
    /// A string (a convolution's `"same"`/`"valid"` padding, metadata).
    Text(String),
}

impl Value {
    /// A float array.
    pub fn f32(shape: Vec<usize>, values: Vec<f32>) -> Value {
        Value::F32 { shape, values }
    }

    /// An integer array.
    pub fn i64(shape: Vec<usize>, values: Vec<i64>) -> Value {
        Value::I64 { shape, values }
    }

    /// The dimensions (`[]` for a scalar or a string).
    pub fn shape(&self) -> &[usize] {
        match self {
            Value::F32 { shape, .. } | Value::F64 { shape, .. } | Value::I64 { shape, .. } => shape,
            Value::Text(_) => &[],
        }
    }

    /// The numbers as f64 (`None` for a string).
    pub fn to_f64(&self) -> Option<Vec<f64>> {
        match self {
            Value::F32 { values, .. } => Some(values.iter().map(|v| f64::from(*v)).collect()),
            Value::F64 { values, .. } => Some(values.clone()),
            Value::I64 { values, .. } => Some(values.iter().map(|v| *v as f64).collect()),
            Value::Text(_) => None,
        }
    }

    /// Short description: dtype and shape, or the string.
    pub fn describe(&self) -> String {
        match self {
            Value::F32 { shape, .. } => format!("f32{shape:?}"),
            Value::F64 { shape, .. } => format!("f64{shape:?}"),
            Value::I64 { shape, values } if shape.len() <= 1 && values.len() <= 4 => format!("{values:?}"),
            Value::I64 { shape, .. } => format!("i64{shape:?}"),
            Value::Text(text) => format!("{text:?}"),
        }
    }
}

/// One node: its type, its fields and, for a nested graph, the subgraph.
#[derive(Debug, Clone, PartialEq)]
pub struct NirNode {
    /// The node type.
    pub kind: NodeKind,
    /// Parameters by field name (for [`NodeKind::Graph`], none).
    pub fields: BTreeMap<String, Value>,
    /// The subgraph of a [`NodeKind::Graph`] node.
    pub graph: Option<NirGraph>,
    /// Free-form metadata datasets, kept for the round trip.
    pub metadata: BTreeMap<String, Value>,
}

impl NirNode {
    /// A node of `kind` with `fields` (checked when the graph is written or validated).
    pub fn new(kind: NodeKind, fields: impl IntoIterator<Item = (&'static str, Value)>) -> NirNode {
        NirNode { kind, fields: fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), graph: None, metadata: BTreeMap::new() }
    }

    /// A nested graph node.
    pub fn subgraph(graph: NirGraph) -> NirNode {
        NirNode { kind: NodeKind::Graph, fields: BTreeMap::new(), graph: Some(graph), metadata: BTreeMap::new() }
    }

    /// One line: the type and each field's dtype and shape.
    pub fn summary(&self) -> String {
        match &self.graph {
            Some(graph) => format!("NIRGraph ({} nodes, {} edges)", graph.nodes.len(), graph.edges.len()),
            None => {
                let fields: Vec<String> = self.fields.iter().map(|(k, v)| format!("{k} {}", v.describe())).collect();
                format!("{} ({})", self.kind.name(), fields.join(", "))
            }
        }
    }
}

/// A NIR graph: named nodes and directed edges between them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NirGraph {
    /// Nodes by name.
    pub nodes: BTreeMap<String, NirNode>,
    /// `(source, target)` node names.
    pub edges: Vec<(String, String)>,
    /// The graph's metadata datasets.
    pub metadata: BTreeMap<String, Value>,
}

impl NirGraph {
    /// Checks every node against its type's fields and every edge's endpoints, recursively.
    /// Errors name the node (its path through nested graphs) and the field.
    pub fn validate(&self) -> crate::Result<()> {
        schema::validate_graph(self, "")
    }

    /// Every node, nested ones included, as `(path, node)`.
    pub fn walk(&self) -> Vec<(String, &NirNode)> {
        let mut out = Vec::new();
        walk_into(self, "", &mut out);
        out
    }
}

fn walk_into<'a>(graph: &'a NirGraph, prefix: &str, out: &mut Vec<(String, &'a NirNode)>) {
    for (name, node) in &graph.nodes {
        let path = format!("{prefix}{name}");
        out.push((path.clone(), node));
        if let Some(sub) = &node.graph {
            walk_into(sub, &format!("{path}."), out);
        }
    }
}
