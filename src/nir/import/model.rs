//! The imported graph as one Burn module that runs multi-step.

use std::collections::BTreeMap;

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::neuron::{Carry, NeuronTrace};
use super::node::NodeModule;
use super::plan::{Plan, Stage};
use super::{ImportOptions, refused};
use crate::error::{NeuroError, Result};

/// A NIR graph imported as a runnable, trainable model (see [`import`](super::import)).
///
/// Weights (`Affine`, `Linear`, convolutions) are trainable parameters; neuron constants are
/// fixed. Runs on the device it was imported to, multi-step: nodes outside recurrent loops
/// over all steps at once (each neuron node one fused launch), loops step by step.
#[derive(Module, Debug)]
pub struct NirModel {
    /// One module per node, in the order of [`node_paths`](Self::node_paths).
    pub nodes: Vec<NodeModule>,
    #[module(skip)]
    plan: Plan,
    #[module(skip)]
    options: ImportOptions,
}

/// What a traced run produced.
#[derive(Debug, Clone)]
pub struct NirRun {
    /// Each top-level `Output` node's values `[T, batch, features]`, by node name.
    pub outputs: BTreeMap<String, Tensor<3>>,
    /// Each neuron node's spikes, membrane and current, by node path (`rnn.lif` for node
    /// `lif` of nested graph `rnn`).
    pub neurons: BTreeMap<String, NeuronTrace>,
}

/// Inside a loop at step `t`: this step's outputs so far and the previous step's.
#[derive(Clone, Copy)]
struct StepValues<'a> {
    t: usize,
    current: &'a [Option<Tensor<3>>],
    previous: &'a [Option<Tensor<3>>],
}

impl NirModel {
    pub(super) fn new(plan: Plan, options: ImportOptions, device: &Device) -> Result<NirModel> {
        let mut nodes = Vec::with_capacity(plan.nodes.len());
        for index in 0..plan.nodes.len() {
            let input = plan.input_shapes[index].clone();
            nodes.push(NodeModule::build(
                &plan.nodes[index],
                &plan.paths[index],
                &input,
                &plan.shapes[index],
                options.dt,
                options.discretisation,
                device,
            )?);
        }
        Ok(NirModel { nodes, plan, options })
    }

    /// The options the model was imported with.
    pub fn options(&self) -> &ImportOptions {
        &self.options
    }

    /// Every node's path, in the order of [`nodes`](Self::nodes).
    pub fn node_paths(&self) -> &[String] {
        &self.plan.paths
    }

    /// The input's per-example shape (`[T, batch, ...]` goes to [`forward`](Self::forward)).
    pub fn input_shape(&self) -> &[usize] {
        &self.plan.shapes[self.plan.input]
    }

    /// Each output's name and per-example shape.
    pub fn output_shapes(&self) -> Vec<(String, Vec<usize>)> {
        self.plan.outputs.iter().map(|&o| (self.plan.paths[o].clone(), self.plan.shapes[o].clone())).collect()
    }

    /// The per-example shape of the node at `path`, if there is one.
    pub fn node_shape(&self, path: &str) -> Option<&[usize]> {
        self.plan.paths.iter().position(|p| p == path).map(|i| self.plan.shapes[i].as_slice())
    }

    /// Runs `input` (`[T, batch, ...input shape]`, or `[T, batch, features]` flat) and returns
    /// every output node's values `[T, batch, features]`, by name.
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Result<BTreeMap<String, Tensor<3>>> {
        Ok(self.run(input, false)?.outputs)
    }

    /// [`forward`](Self::forward), also returning every neuron node's spikes, membrane and
    /// current.
    pub fn forward_traced<const D: usize>(&self, input: Tensor<D>) -> Result<NirRun> {
        self.run(input, true)
    }

    fn run<const D: usize>(&self, input: Tensor<D>, trace: bool) -> Result<NirRun> {
        let dims = input.dims();
        let shape = self.input_shape();
        let width: usize = shape.iter().product();
        if D < 3 || dims[0] == 0 || dims[1] == 0 || dims[2..].iter().product::<usize>() != width || (D > 3 && dims[2..] != *shape) {
            return Err(NeuroError::Shape {
                argument: "input",
                actual: dims.to_vec(),
                expected: format!(
                    "[T ≥ 1, batch ≥ 1, {}] (the graph's Input shape {shape:?}, or its {width} values flat)",
                    shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
                ),
            });
        }
        let (steps, batch) = (dims[0], dims[1]);
        let input: Tensor<3> = input.reshape([steps, batch, width]);
        let plan = &self.plan;
        let mut values: Vec<Option<Tensor<3>>> = vec![None; plan.nodes.len()];
        let mut neurons = BTreeMap::new();
        values[plan.input] = Some(input);
        for stage in &plan.stages {
            match stage {
                Stage::Sequence(node) if *node == plan.input => {}
                Stage::Sequence(node) => {
                    let x = self.gather(*node, &values, None, batch)?;
                    let (out, traced) = self.apply(*node, x, None)?;
                    if let (true, Some((neuron_trace, _))) = (trace, traced) {
                        neurons.insert(plan.paths[*node].clone(), neuron_trace);
                    }
                    values[*node] = Some(out);
                }
                Stage::Loop(members) => self.run_loop(members, &mut values, &mut neurons, trace, steps, batch)?,
            }
        }
        let outputs = plan.outputs.iter().map(|&o| (plan.paths[o].clone(), values[o].clone().expect("every node ran"))).collect();
        Ok(NirRun { outputs, neurons })
    }

    /// Sums a node's inputs: whole sequences, or step `t` of them (and, for recurrent edges,
    /// the previous step's outputs of its loop) when `step` is given.
    fn gather(&self, node: usize, values: &[Option<Tensor<3>>], step: Option<StepValues>, batch: usize) -> Result<Tensor<3>> {
        let mut sum: Option<Tensor<3>> = None;
        for edge in &self.plan.incoming[node] {
            let value = match step {
                None => values[edge.source].clone(),
                Some(StepValues { t, current, previous }) => match (edge.delayed, &current[edge.source]) {
                    (true, _) => previous[edge.source].clone().or_else(|| Some(self.zeros(edge.source, batch, values))),
                    (false, Some(now)) => Some(now.clone()),
                    (false, None) => values[edge.source].clone().map(|all| all.slice(t..t + 1)),
                },
            };
            let value =
                value.ok_or_else(|| refused(&self.plan.paths[node], format!("its input {} to have run first", self.plan.paths[edge.source])))?;
            sum = Some(match sum {
                Some(total) => total + value,
                None => value,
            });
        }
        sum.ok_or_else(|| refused(&self.plan.paths[node], "at least one incoming edge".into()))
    }

    fn zeros(&self, node: usize, batch: usize, values: &[Option<Tensor<3>>]) -> Tensor<3> {
        let reference = values[self.plan.input].as_ref().expect("the input is set first");
        let width: usize = self.plan.shapes[node].iter().product();
        Tensor::zeros([1, batch, width], (&reference.device(), reference.dtype()))
    }

    /// Runs one node: its output, and a neuron's trace and state.
    fn apply(&self, node: usize, x: Tensor<3>, carry: Option<Carry>) -> Result<(Tensor<3>, Option<(NeuronTrace, Carry)>)> {
        match &self.nodes[node] {
            NodeModule::Neuron(neuron) => {
                let (out, trace, next) = neuron.run(x, carry)?;
                Ok((out, Some((trace, next))))
            }
            other => Ok((other.run(x), None)),
        }
    }

    fn run_loop(
        &self,
        members: &[usize],
        values: &mut [Option<Tensor<3>>],
        neurons: &mut BTreeMap<String, NeuronTrace>,
        trace: bool,
        steps: usize,
        batch: usize,
    ) -> Result<()> {
        let count = self.plan.nodes.len();
        let mut previous: Vec<Option<Tensor<3>>> = vec![None; count];
        let mut carries: Vec<Option<Carry>> = vec![None; count];
        let mut outputs: Vec<Vec<Tensor<3>>> = vec![Vec::with_capacity(steps); count];
        let mut traces: Vec<Vec<NeuronTrace>> = vec![Vec::new(); count];
        for t in 0..steps {
            let mut current: Vec<Option<Tensor<3>>> = vec![None; count];
            for &node in members {
                let x = self.gather(node, values, Some(StepValues { t, current: &current, previous: &previous }), batch)?;
                let (out, traced) = self.apply(node, x, carries[node].take())?;
                if let Some((neuron_trace, carry)) = traced {
                    carries[node] = Some(carry);
                    if trace {
                        traces[node].push(neuron_trace);
                    }
                }
                outputs[node].push(out.clone());
                current[node] = Some(out);
            }
            previous = current;
        }
        for &node in members {
            values[node] = Some(Tensor::cat(std::mem::take(&mut outputs[node]), 0));
            if trace && !traces[node].is_empty() {
                let steps_traced = std::mem::take(&mut traces[node]);
                let cat = |pick: &dyn Fn(&NeuronTrace) -> Option<Tensor<3>>| -> Option<Tensor<3>> {
                    steps_traced.iter().map(pick).collect::<Option<Vec<_>>>().map(|parts| Tensor::cat(parts, 0))
                };
                let membrane = cat(&|s| Some(s.membrane.clone())).expect("every step has a membrane");
                neurons.insert(
                    self.plan.paths[node].clone(),
                    NeuronTrace { spikes: cat(&|s| s.spikes.clone()), membrane, synaptic: cat(&|s| s.synaptic.clone()) },
                );
            }
        }
        Ok(())
    }
}
