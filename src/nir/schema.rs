//! What each NIR node type stores (nir 1.0.8), and the checks a graph must pass.

use super::{NirGraph, NirNode, Value};
use crate::error::{NeuroError, Result};

/// Every node type NIR 1.0.8 defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// `y = W·x + b`.
    Affine,
    /// `y = W·x`.
    Linear,
    /// `y = s ⊙ x`.
    Scale,
    /// 1-D convolution (PyTorch semantics).
    Conv1d,
    /// 2-D convolution (PyTorch semantics).
    Conv2d,
    /// Sum pooling.
    SumPool2d,
    /// Average pooling.
    AvgPool2d,
    /// Flattens dimensions `start_dim..=end_dim`.
    Flatten,
    /// `y(t) = x(t − τ)`.
    Delay,
    /// The graph's input.
    Input,
    /// The graph's output.
    Output,
    /// A nested graph.
    Graph,
    /// Integrator: `dv/dt = R·I`.
    I,
    /// Integrate-and-fire.
    If,
    /// Leaky integrator: `τ·dv/dt = (v_leak − v) + R·I`.
    Li,
    /// Leaky integrate-and-fire.
    Lif,
    /// Current-based leaky integrator.
    CubaLi,
    /// Current-based leaky integrate-and-fire.
    CubaLif,
    /// Heaviside: `z = [x > θ]`.
    Threshold,
}

/// How a field's value must be stored.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stored {
    /// A float array (f32 or f64; integers are accepted and read as numbers).
    Numbers,
    /// Integers, scalar or an array.
    Integers,
    /// Integers or a string (`"same"`/`"valid"` padding).
    IntegersOrText,
}

/// `(field, stored as, required)`.
type Field = (&'static str, Stored, bool);

use Stored::{Integers, IntegersOrText, Numbers};

const ALL: [NodeKind; 19] = [
    NodeKind::Affine,
    NodeKind::Linear,
    NodeKind::Scale,
    NodeKind::Conv1d,
    NodeKind::Conv2d,
    NodeKind::SumPool2d,
    NodeKind::AvgPool2d,
    NodeKind::Flatten,
    NodeKind::Delay,
    NodeKind::Input,
    NodeKind::Output,
    NodeKind::Graph,
    NodeKind::I,
    NodeKind::If,
    NodeKind::Li,
    NodeKind::Lif,
    NodeKind::CubaLi,
    NodeKind::CubaLif,
    NodeKind::Threshold,
];

impl NodeKind {
    /// The type name stored in the file.
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Affine => "Affine",
            NodeKind::Linear => "Linear",
            NodeKind::Scale => "Scale",
            NodeKind::Conv1d => "Conv1d",
            NodeKind::Conv2d => "Conv2d",
            NodeKind::SumPool2d => "SumPool2d",
            NodeKind::AvgPool2d => "AvgPool2d",
            NodeKind::Flatten => "Flatten",
            NodeKind::Delay => "Delay",
            NodeKind::Input => "Input",
            NodeKind::Output => "Output",
            NodeKind::Graph => "NIRGraph",
            NodeKind::I => "I",
            NodeKind::If => "IF",
            NodeKind::Li => "LI",
            NodeKind::Lif => "LIF",
            NodeKind::CubaLi => "CubaLI",
            NodeKind::CubaLif => "CubaLIF",
            NodeKind::Threshold => "Threshold",
        }
    }

    /// The kind a stored type name denotes.
    pub fn from_name(name: &str) -> Option<NodeKind> {
        ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether it is a neuron (its parameters are per-neuron arrays of one shape).
    pub fn is_neuron(self) -> bool {
        matches!(self, NodeKind::I | NodeKind::If | NodeKind::Li | NodeKind::Lif | NodeKind::CubaLi | NodeKind::CubaLif | NodeKind::Threshold)
    }

    /// The fields nir 1.0.8 stores for this type (`v_reset`, `w_in` and Flatten's
    /// `input_type` optional, as `nir.read` treats them).
    fn fields(self) -> &'static [Field] {
        match self {
            NodeKind::Affine => &[("weight", Numbers, true), ("bias", Numbers, true)],
            NodeKind::Linear => &[("weight", Numbers, true)],
            NodeKind::Scale => &[("scale", Numbers, true)],
            NodeKind::Delay => &[("delay", Numbers, true)],
            NodeKind::Threshold => &[("threshold", Numbers, true)],
            NodeKind::Conv1d | NodeKind::Conv2d => &[
                ("weight", Numbers, true),
                ("bias", Numbers, true),
                ("stride", Integers, true),
                ("padding", IntegersOrText, true),
                ("dilation", Integers, true),
                ("groups", Integers, true),
                ("input_shape", Integers, true),
            ],
            NodeKind::SumPool2d | NodeKind::AvgPool2d => &[("kernel_size", Integers, true), ("stride", Integers, true), ("padding", Integers, true)],
            NodeKind::Flatten => &[("start_dim", Integers, true), ("end_dim", Integers, true), ("input_type", Integers, false)],
            NodeKind::Input | NodeKind::Output => &[("shape", Integers, true)],
            NodeKind::Graph => &[],
            NodeKind::I => &[("r", Numbers, true)],
            NodeKind::If => &[("r", Numbers, true), ("v_threshold", Numbers, true), ("v_reset", Numbers, false)],
            NodeKind::Li => &[("tau", Numbers, true), ("r", Numbers, true), ("v_leak", Numbers, true)],
            NodeKind::Lif => &[
                ("tau", Numbers, true),
                ("r", Numbers, true),
                ("v_leak", Numbers, true),
                ("v_threshold", Numbers, true),
                ("v_reset", Numbers, false),
            ],
            NodeKind::CubaLi => {
                &[("tau_syn", Numbers, true), ("tau_mem", Numbers, true), ("r", Numbers, true), ("v_leak", Numbers, true), ("w_in", Numbers, false)]
            }
            NodeKind::CubaLif => &[
                ("tau_syn", Numbers, true),
                ("tau_mem", Numbers, true),
                ("r", Numbers, true),
                ("v_leak", Numbers, true),
                ("v_threshold", Numbers, true),
                ("v_reset", Numbers, false),
                ("w_in", Numbers, false),
            ],
        }
    }

    /// Whether this type stores a field of this name.
    pub fn takes(self, field: &str) -> bool {
        self.fields().iter().any(|(name, ..)| *name == field)
    }
}

fn invalid(path: &str, detail: String) -> NeuroError {
    NeuroError::Range { argument: "graph", value: if path.is_empty() { "(top level)".into() } else { path.to_string() }, expected: detail }
}

/// Checks `node` (at `path`) against its type.
fn validate_node(node: &NirNode, path: &str) -> Result<()> {
    let kind = node.kind;
    if kind == NodeKind::Graph {
        let graph = node.graph.as_ref().ok_or_else(|| invalid(path, "a NIRGraph node with its subgraph".into()))?;
        return validate_graph(graph, &format!("{path}."));
    }
    for (name, value) in &node.fields {
        let Some((_, stored, _)) = kind.fields().iter().find(|(field, ..)| field == name) else {
            let known: Vec<&str> = kind.fields().iter().map(|f| f.0).collect();
            return Err(invalid(path, format!("only the fields {known:?} on a {} node, not `{name}`", kind.name())));
        };
        let fits = match (stored, value) {
            (Numbers, Value::Text(_)) => false,
            (Numbers, _) => true,
            (Integers, Value::I64 { .. }) => true,
            (IntegersOrText, Value::I64 { .. } | Value::Text(_)) => true,
            _ => false,
        };
        if !fits {
            return Err(invalid(path, format!("`{name}` of a {} node stored as {stored:?}, not {}", kind.name(), value.describe())));
        }
    }
    for (name, _, required) in kind.fields() {
        if *required && !node.fields.contains_key(*name) {
            return Err(invalid(path, format!("the field `{name}` a {} node needs", kind.name())));
        }
    }
    if kind.is_neuron() {
        let shapes: Vec<(&String, &[usize])> = node.fields.iter().map(|(k, v)| (k, v.shape())).collect();
        if let Some((name, shape)) = shapes.iter().find(|(_, s)| *s != shapes[0].1) {
            return Err(invalid(
                path,
                format!("every parameter of a {} node in one shape: `{}` is {:?}, `{name}` {shape:?}", kind.name(), shapes[0].0, shapes[0].1),
            ));
        }
    }
    if matches!(kind, NodeKind::Affine | NodeKind::Linear) {
        let weight = node.fields["weight"].shape();
        if weight.len() < 2 {
            return Err(invalid(path, format!("a weight of at least 2 dimensions [out, in], not {weight:?}")));
        }
        if let Some(bias) = node.fields.get("bias") {
            let out = &weight[..weight.len() - 1];
            if bias.shape() != out {
                return Err(invalid(path, format!("a bias of shape {out:?} for a weight of shape {weight:?}, not {:?}", bias.shape())));
            }
        }
    }
    Ok(())
}

/// Checks every node of `graph` and every edge's endpoints; `prefix` is the graph's path.
pub(super) fn validate_graph(graph: &NirGraph, prefix: &str) -> Result<()> {
    for (name, node) in &graph.nodes {
        validate_node(node, &format!("{prefix}{name}"))?;
    }
    for (source, target) in &graph.edges {
        for end in [source, target] {
            if !graph.nodes.contains_key(end) {
                return Err(invalid(
                    prefix.trim_end_matches('.'),
                    format!("edges between its own nodes; `{source}` → `{target}` names `{end}`, which it does not have"),
                ));
            }
        }
    }
    Ok(())
}
