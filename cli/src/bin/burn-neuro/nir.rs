//! `burn-neuro nir`: look inside NIR model files without writing code.

use std::path::{Path, PathBuf};

use burn::tensor::{DType, Tensor, TensorData};
use burn_neuro::data::npy::{Array, read_array, read_array_npz, write_array, write_array_npz};
use burn_neuro::nir::{Discretisation, ImportOptions, NirGraph, import, read, write};

#[derive(clap::Subcommand)]
pub enum NirCommand {
    /// Summarise a NIR file: every node (nested graphs included) with its type and parameter
    /// shapes, and the edges. Checks the file on the way (types, fields, shapes, edges).
    Inspect {
        /// The `.nir` file.
        file: PathBuf,
    },
    /// Read a NIR file, check it and write it again as `nir.write` does (for example to check
    /// that our writer's files open in Python's `nir.read`).
    Copy {
        /// The `.nir` file to read.
        input: PathBuf,
        /// Where to write the copy.
        output: PathBuf,
    },
    /// Import a NIR graph and run it on given input: writes each Output node's values as
    /// `<name>.npy` `[T, batch, ...]`, every neuron's spikes, membrane and current to
    /// `traces.npz`, and a spike raster of the first output (`raster.png`).
    Run(RunArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// The `.nir` file.
    file: PathBuf,
    /// Input `.npy` of shape `[T, batch, ...input shape]` (or `[T, ...input shape]` for one
    /// sequence), or an `.npz` whose member `input` is one.
    #[arg(long)]
    input: PathBuf,
    /// Time step in seconds (snnTorch's exporter assumes 1e-4).
    #[arg(long, default_value_t = 1e-4)]
    dt: f64,
    /// `euler`: NIR's equations under forward Euler, as snnTorch; `norse`: Norse 1.1's cells
    /// (a CubaLIF current adds its input whole; membranes start at v_leak); `exponential`:
    /// β = exp(−dt/τ), input gain R·(1 − β).
    #[arg(long, value_enum, default_value = "euler")]
    discretisation: DiscretisationArg,
    /// As `train --device`: `auto`, `gpu`, an adapter index from `burn-neuro info`, or `cpu`.
    #[arg(long, default_value = "auto")]
    device: String,
    /// Folder for the outputs.
    #[arg(long, default_value = "nir-run")]
    out: PathBuf,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum DiscretisationArg {
    Euler,
    Norse,
    Exponential,
}

pub fn run(command: NirCommand) -> Result<(), String> {
    match command {
        NirCommand::Inspect { file } => {
            let graph = read(&file).map_err(|e| e.to_string())?;
            print!("{}", describe(&graph));
            Ok(())
        }
        NirCommand::Copy { input, output } => {
            let graph = read(&input).map_err(|e| e.to_string())?;
            write(&output, &graph).map_err(|e| e.to_string())?;
            println!("{} nodes written to {}", graph.walk().len(), output.display());
            Ok(())
        }
        NirCommand::Run(args) => run_graph(&args),
    }
}

/// The input array: a `.npy`, or the `input` member of an `.npz`.
fn read_input(path: &Path) -> Result<Array, String> {
    if path.extension().is_some_and(|e| e == "npz") {
        let members = read_array_npz(path).map_err(|e| e.to_string())?;
        let names: Vec<String> = members.iter().map(|(name, _)| name.clone()).collect();
        members
            .into_iter()
            .find(|(name, _)| name == "input")
            .map(|(_, a)| a)
            .ok_or_else(|| format!("{}: no member `input` (members: {names:?})", path.display()))
    } else {
        read_array(path).map_err(|e| e.to_string())
    }
}

fn run_graph(args: &RunArgs) -> Result<(), String> {
    let graph = read(&args.file).map_err(|e| e.to_string())?;
    let input = read_input(&args.input)?;
    let discretisation = match args.discretisation {
        DiscretisationArg::Euler => Discretisation::ForwardEuler,
        DiscretisationArg::Norse => Discretisation::Norse,
        DiscretisationArg::Exponential => Discretisation::Exponential,
    };
    let (device, _) = crate::train::device(&args.device, crate::backend::BackendArg::Auto)?;
    let model = import(&graph, &ImportOptions { dt: args.dt, discretisation }, &device).map_err(|e| e.to_string())?;
    let shape = model.input_shape().to_vec();
    let width: usize = shape.iter().product();
    // [T, ...input] is one sequence; [T, batch, ...input] a batch.
    let (steps, batch) = match input.shape.len() {
        n if n == shape.len() + 1 && input.shape[1..] == shape[..] => (input.shape[0], 1),
        n if n >= 2 && input.shape[2..].iter().product::<usize>() == width && (n == 3 || input.shape[2..] == shape[..]) => {
            (input.shape[0], input.shape[1])
        }
        _ => {
            return Err(format!(
                "--input: shape {:?}; expected [T, batch, {}] or [T, {}] for this graph's Input of shape {shape:?}",
                input.shape,
                shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
                shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
            ));
        }
    };
    if steps == 0 || batch == 0 {
        return Err(format!("--input: shape {:?} has no steps or no sequences", input.shape));
    }
    let x = Tensor::<3>::from_data(TensorData::new(input.values, [steps, batch, width]), (&device, DType::F32));
    let run = model.forward_traced(x).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    println!("{}: {} nodes, input {shape:?}, {steps} steps × {batch} sequences, dt {} s", args.file.display(), model.node_paths().len(), args.dt);
    let host = |t: &Tensor<3>| -> Vec<f32> { t.clone().into_data().iter::<f32>().collect() };
    let mut first_output: Option<(String, Vec<f32>, usize)> = None;
    for (name, node_shape) in model.output_shapes() {
        let values = host(&run.outputs[&name]);
        let mut dims = vec![steps, batch];
        dims.extend(&node_shape);
        let file = args.out.join(format!("{name}.npy"));
        write_array(&file, &Array::new(dims.clone(), values.clone()).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        println!("  output {name} {dims:?} → {}", file.display());
        first_output.get_or_insert((name, values, node_shape.iter().product()));
    }
    let mut members: Vec<(String, Array)> = Vec::new();
    for (path, trace) in &run.neurons {
        let node_shape = model.node_shape(path).unwrap_or(&[]).to_vec();
        let mut dims = vec![steps, batch];
        dims.extend(&node_shape);
        let planes = [("spikes", trace.spikes.as_ref()), ("membrane", Some(&trace.membrane)), ("synaptic", trace.synaptic.as_ref())];
        for (plane, tensor) in planes {
            if let Some(tensor) = tensor {
                members.push((format!("{path}.{plane}"), Array::new(dims.clone(), host(tensor)).map_err(|e| e.to_string())?));
            }
        }
        match &trace.spikes {
            Some(spikes) => {
                let values = host(spikes);
                println!(
                    "  {path}: {} neurons, spike rate {:.3}",
                    node_shape.iter().product::<usize>(),
                    values.iter().sum::<f32>() / values.len().max(1) as f32
                );
            }
            None => println!("  {path}: {} neurons, no spikes (emits its membrane)", node_shape.iter().product::<usize>()),
        }
    }
    let traces = args.out.join("traces.npz");
    let refs: Vec<(&str, &Array)> = members.iter().map(|(name, array)| (name.as_str(), array)).collect();
    write_array_npz(&traces, &refs).map_err(|e| e.to_string())?;
    println!("  traces of {} neuron node(s) → {}", run.neurons.len(), traces.display());
    if let Some((name, values, features)) = first_output {
        // The first sequence of the first output, time along x.
        let first: Vec<f32> = (0..steps).flat_map(|t| values[t * batch * features..t * batch * features + features].to_vec()).collect();
        let picture = args.out.join("raster.png");
        burn_neuro::spikeplot::raster(
            &picture,
            &first,
            steps,
            features,
            &format!(
                "{}: output {name}, sequence 0",
                args.file.file_name().map_or_else(|| args.file.display().to_string(), |f| f.to_string_lossy().into_owned())
            ),
        )
        .map_err(|e| e.to_string())?;
        println!("  raster of output {name} → {}", picture.display());
    }
    Ok(())
}

/// One line per node (indented by nesting), then the edges of every graph.
fn describe(graph: &NirGraph) -> String {
    let mut out = String::new();
    for (path, node) in graph.walk() {
        let depth = path.matches('.').count();
        out.push_str(&format!("{}{path}: {}\n", "  ".repeat(depth), node.summary()));
    }
    let mut edges = |prefix: &str, graph: &NirGraph| {
        let list: Vec<String> = graph.edges.iter().map(|(a, b)| format!("{prefix}{a} → {prefix}{b}")).collect();
        out.push_str(&format!(
            "edges{}: {}\n",
            if prefix.is_empty() { String::new() } else { format!(" of {}", prefix.trim_end_matches('.')) },
            list.join(", ")
        ));
    };
    edges("", graph);
    for (path, node) in graph.walk() {
        if let Some(sub) = &node.graph {
            edges(&format!("{path}."), sub);
        }
    }
    out
}
