//! `burn-neuro nir`: look inside NIR model files without writing code.

use std::path::PathBuf;

use burn_neuro::nir::{NirGraph, read, write};

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
    }
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
