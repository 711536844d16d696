//! The order an imported graph runs in, worked out once at import: nested graphs inlined,
//! cycles found, each cycle's one-step delays placed, and every node's per-example shape.
//!
//! A node outside any cycle runs over all T steps at once (a neuron node is then one fused
//! multi-step launch). The nodes of a cycle — a recurrent layer such as snnTorch's `RLeaky`,
//! which its exporter writes as `lif → w_rec → lif` — run step by step, and every edge that
//! leaves a neuron node for a node of its own cycle carries that neuron's output of the
//! *previous* step (zeros at the first). That is where snnTorch and NIR put the recurrence's
//! delay (`U[t] = β·U[t−1] + X[t] + V·S[t−1]`); a cycle with no neuron on it has no delay to
//! break it and is refused.

use std::collections::BTreeMap;

use super::super::{NirGraph, NirNode, NodeKind};
use super::field;
use crate::error::Result;

/// One edge into a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Incoming {
    /// The source node's index.
    pub source: usize,
    /// Carries the source's output of the previous step (a recurrent edge).
    pub delayed: bool,
}

/// A unit of execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stage {
    /// One node over the whole sequence.
    Sequence(usize),
    /// The nodes of a cycle, one step at a time, in this order.
    Loop(Vec<usize>),
}

/// The schedule of a flattened graph.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Node paths (`rnn.lif` for node `lif` of nested graph `rnn`), by index.
    pub paths: Vec<String>,
    /// The nodes; the `Input`/`Output` nodes of nested graphs are kept as pass-throughs.
    pub nodes: Vec<NirNode>,
    /// Edges into each node.
    pub incoming: Vec<Vec<Incoming>>,
    /// Execution order.
    pub stages: Vec<Stage>,
    /// Each node's per-example output shape.
    pub shapes: Vec<Vec<usize>>,
    /// Each node's per-example input shape (its first input's, or what it declares).
    pub input_shapes: Vec<Vec<usize>>,
    /// The top-level `Input` node.
    pub input: usize,
    /// The top-level `Output` nodes, by path.
    pub outputs: Vec<usize>,
}

fn refused(path: &str, detail: String) -> crate::NeuroError {
    super::refused(path, detail)
}

struct Flat {
    paths: Vec<String>,
    nodes: Vec<NirNode>,
    inner_port: Vec<bool>,
    edges: Vec<(usize, usize)>,
}

/// The index of the single node of `kind` in `graph` (a nested graph's port).
fn port(graph: &NirGraph, kind: NodeKind, path: &str) -> Result<String> {
    let found: Vec<&String> = graph.nodes.iter().filter(|(_, n)| n.kind == kind).map(|(name, _)| name).collect();
    match found[..] {
        [one] => Ok(one.clone()),
        _ => Err(refused(path, format!("a nested graph needs exactly one {} node to connect through; it has {}", kind.name(), found.len()))),
    }
}

/// Inlines nested graphs: their nodes get the graph's path as a prefix, an edge into the
/// graph goes to its `Input`, an edge out of it leaves from its `Output`.
fn flatten(graph: &NirGraph, prefix: &str, flat: &mut Flat, top: bool) -> Result<BTreeMap<String, usize>> {
    let mut index = BTreeMap::new();
    // A nested graph's (input, output) node indices, by its name.
    let mut ports: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (name, node) in &graph.nodes {
        let path = format!("{prefix}{name}");
        match &node.graph {
            Some(sub) => {
                let inner = flatten(sub, &format!("{path}."), flat, false)?;
                let input = inner[&port(sub, NodeKind::Input, &path)?];
                let output = inner[&port(sub, NodeKind::Output, &path)?];
                ports.insert(name.clone(), (input, output));
            }
            None => {
                index.insert(name.clone(), flat.nodes.len());
                flat.paths.push(path);
                flat.nodes.push(node.clone());
                flat.inner_port.push(!top && matches!(node.kind, NodeKind::Input | NodeKind::Output));
            }
        }
    }
    for (source, target) in &graph.edges {
        let from = match ports.get(source) {
            Some(&(_, output)) => output,
            None => index[source],
        };
        let to = match ports.get(target) {
            Some(&(input, _)) => input,
            None => index[target],
        };
        flat.edges.push((from, to));
    }
    let mut all = index;
    for (name, (input, _)) in ports {
        all.insert(name, input);
    }
    Ok(all)
}

/// Tarjan's strongly connected components, in reverse topological order of the condensation.
fn components(count: usize, successors: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        successors: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    // Iterative, so a long chain cannot overflow the call stack.
    fn visit(state: &mut State, root: usize) {
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        state.index[root] = Some(state.next);
        state.low[root] = state.next;
        state.next += 1;
        state.stack.push(root);
        state.on_stack[root] = true;
        while let Some(&mut (node, ref mut child)) = work.last_mut() {
            if let Some(&next) = state.successors[node].get(*child) {
                *child += 1;
                match state.index[next] {
                    None => {
                        state.index[next] = Some(state.next);
                        state.low[next] = state.next;
                        state.next += 1;
                        state.stack.push(next);
                        state.on_stack[next] = true;
                        work.push((next, 0));
                    }
                    Some(i) if state.on_stack[next] => state.low[node] = state.low[node].min(i),
                    Some(_) => {}
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                state.low[parent] = state.low[parent].min(state.low[node]);
            }
            if Some(state.low[node]) == state.index[node] {
                let mut component = Vec::new();
                while let Some(member) = state.stack.pop() {
                    state.on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.sort_unstable();
                state.out.push(component);
            }
        }
    }
    let mut state = State {
        successors,
        index: vec![None; count],
        low: vec![0; count],
        on_stack: vec![false; count],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for node in 0..count {
        if state.index[node].is_none() {
            visit(&mut state, node);
        }
    }
    state.out
}

/// Whether a node carries state across steps and emits its output after integrating (the
/// nodes whose outgoing recurrent edges take the one-step delay).
pub(crate) fn is_neuron(kind: NodeKind) -> bool {
    matches!(kind, NodeKind::Lif | NodeKind::If | NodeKind::Li | NodeKind::I | NodeKind::CubaLif | NodeKind::CubaLi)
}

impl Plan {
    /// Flattens and schedules `graph`.
    pub(crate) fn new(graph: &NirGraph) -> Result<Plan> {
        graph.validate()?;
        let mut flat = Flat { paths: Vec::new(), nodes: Vec::new(), inner_port: Vec::new(), edges: Vec::new() };
        flatten(graph, "", &mut flat, true)?;
        let count = flat.nodes.len();
        let top = |kind: NodeKind| -> Vec<usize> { (0..count).filter(|&i| !flat.inner_port[i] && flat.nodes[i].kind == kind).collect() };
        let input = match top(NodeKind::Input)[..] {
            [one] => one,
            ref found => {
                return Err(refused("", format!("one Input node at the top level (the model's input); found {}", found.len())));
            }
        };
        let outputs = top(NodeKind::Output);
        if outputs.is_empty() {
            return Err(refused("", "at least one Output node at the top level".into()));
        }
        let mut successors = vec![Vec::new(); count];
        for &(from, to) in &flat.edges {
            successors[from].push(to);
        }
        let mut stages = Vec::new();
        let mut incoming: Vec<Vec<Incoming>> = vec![Vec::new(); count];
        // Tarjan yields sinks first; execution wants sources first.
        for component in components(count, &successors).into_iter().rev() {
            let cyclic = component.len() > 1 || flat.edges.contains(&(component[0], component[0]));
            let inside = |node: usize| component.binary_search(&node).is_ok();
            for &(from, to) in &flat.edges {
                if inside(to) {
                    let delayed = cyclic && inside(from) && is_neuron(flat.nodes[from].kind);
                    incoming[to].push(Incoming { source: from, delayed });
                }
            }
            if !cyclic {
                stages.push(Stage::Sequence(component[0]));
                continue;
            }
            for &node in &component {
                if matches!(flat.nodes[node].kind, NodeKind::Delay) {
                    return Err(refused(&flat.paths[node], "a Delay outside recurrent loops (a Delay inside one is not supported)".into()));
                }
                if node == input {
                    return Err(refused(&flat.paths[node], "an Input node with no incoming edges".into()));
                }
            }
            stages.push(Stage::Loop(order_loop(&component, &incoming, &flat.paths)?));
        }
        let mut plan = Plan {
            paths: flat.paths,
            nodes: flat.nodes,
            incoming,
            stages,
            shapes: vec![Vec::new(); count],
            input_shapes: vec![Vec::new(); count],
            input,
            outputs,
        };
        plan.infer_shapes()?;
        Ok(plan)
    }

    /// Every node, in execution order.
    pub(crate) fn order(&self) -> Vec<usize> {
        self.stages
            .iter()
            .flat_map(|stage| match stage {
                Stage::Sequence(node) => vec![*node],
                Stage::Loop(nodes) => nodes.clone(),
            })
            .collect()
    }

    fn infer_shapes(&mut self) -> Result<()> {
        let mut known = vec![false; self.nodes.len()];
        let mut widths = vec![0usize; self.nodes.len()];
        for node in self.order() {
            let path = &self.paths[node];
            let sources: Vec<&Vec<usize>> = self.incoming[node].iter().filter(|e| known[e.source]).map(|e| &self.shapes[e.source]).collect();
            let input_shape = if node == self.input {
                field::ints(&self.nodes[node], "shape", path)?.iter().map(|&d| d as usize).collect()
            } else {
                match sources.first() {
                    Some(shape) => (*shape).clone(),
                    None => field::own_shape(&self.nodes[node], path)?
                        .ok_or_else(|| refused(path, "an input whose shape can be worked out (no edge brings one)".into()))?,
                }
            };
            let width: usize = input_shape.iter().product();
            if let Some(other) = sources.iter().find(|s| s.iter().product::<usize>() != width) {
                return Err(refused(path, format!("inputs of equal size; edges bring {input_shape:?} and {other:?}")));
            }
            self.shapes[node] = field::output_shape(&self.nodes[node], &input_shape, path)?;
            if width == 0 || self.shapes[node].contains(&0) {
                return Err(refused(path, format!("non-empty shapes; input {input_shape:?}, output {:?}", self.shapes[node])));
            }
            widths[node] = width;
            self.input_shapes[node] = input_shape;
            known[node] = true;
        }
        // Recurrent edges were skipped above: check them now that every shape is known.
        for (node, edges) in self.incoming.iter().enumerate() {
            let expected = widths[node];
            for edge in edges.iter().filter(|e| e.delayed) {
                let got: usize = self.shapes[edge.source].iter().product();
                if got != expected {
                    return Err(refused(
                        &self.paths[node],
                        format!("{expected} inputs per example; the recurrent edge from {} brings {got}", self.paths[edge.source]),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A loop's nodes ordered so every undelayed edge inside it runs forwards.
fn order_loop(component: &[usize], incoming: &[Vec<Incoming>], paths: &[String]) -> Result<Vec<usize>> {
    let inside = |node: usize| component.binary_search(&node).is_ok();
    let mut waiting: BTreeMap<usize, usize> =
        component.iter().map(|&n| (n, incoming[n].iter().filter(|e| !e.delayed && inside(e.source)).count())).collect();
    let mut order = Vec::with_capacity(component.len());
    while let Some((&node, _)) = waiting.iter().find(|(_, count)| **count == 0) {
        waiting.remove(&node);
        order.push(node);
        for (&other, count) in waiting.iter_mut() {
            *count -= incoming[other].iter().filter(|e| !e.delayed && e.source == node).count();
        }
    }
    if !waiting.is_empty() {
        let names: Vec<&str> = waiting.keys().map(|&n| paths[n].as_str()).collect();
        return Err(refused(
            &names.join(", "),
            "a neuron on every cycle (a recurrent edge takes its one-step delay from the neuron it leaves); this cycle has none".into(),
        ));
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::components;

    #[test]
    fn components_come_sinks_first_and_find_cycles() {
        // 0 → 1 ⇄ 2 → 3, 4 alone.
        let successors = vec![vec![1], vec![2], vec![1, 3], vec![], vec![]];
        let found = components(5, &successors);
        assert_eq!(found, vec![vec![3], vec![1, 2], vec![0], vec![4]]);
    }
}
