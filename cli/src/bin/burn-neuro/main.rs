//! `burn-neuro`: adapter information and kernel self-checks (`info`), cross-platform benchmarks
//! (`bench`) and training runs (`train`).

mod backend;
mod bench;
mod dse;
mod info;
mod lowbit;
mod nir;
mod on_chip;
mod reservoir;
mod rn_net;
mod runtime_dir;
#[cfg(feature = "remote")]
mod serve;
mod sidechannel;
mod train;

use std::process::ExitCode;

/// Training on the CPU path frees and reallocates tensors of tens of MB every step; mimalloc
/// reuses them where the system allocator returns them to the OS each time (see Cargo.toml
/// and `burn_neuro_cli::allocator`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "burn-neuro", version, about = "Neuromorphic WGSL kernels under Burn")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every adapter wgpu finds and self-check the LIF kernels on one of them.
    Info(info::InfoArgs),
    /// Benchmark the kernels on every adapter (JSON records, a Markdown table, PNG charts).
    Bench(bench::BenchArgs),
    /// Train a spiking network end to end (f16 by default) on generated digits or MNIST.
    Train(train::TrainArgs),
    /// NIR model files: inspect one, re-write it through the checked reader and writer, or run it.
    #[command(subcommand)]
    Nir(nir::NirCommand),
    /// Deep vs single reservoir on NARMA-10 or Mackey-Glass: NRMSE, per-layer state spectra, PNG plots.
    Reservoir(reservoir::ReservoirArgs),
    /// Dense vs sparse (block-diagonal) crossbar mapping: tiles, utilisation, ADC conversions,
    /// energy and accuracy across tile sizes and programming noise.
    Dse(dse::DseArgs),
    /// Power side channel of an analog first layer: raw leak vs learned reconstruction of the
    /// input across noise levels and countermeasures (SSIM/PSNR table, image grid).
    Sidechannel(sidechannel::SidechannelArgs),
    /// Serve this machine's device to remote clients (`--device remote:ws://HOST:PORT`), every
    /// burn-neuro op registered (build with `--features remote`).
    #[cfg(feature = "remote")]
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    // Before any thread exists, and before wgpu loads the GL/Vulkan loaders that complain.
    runtime_dir::ensure();
    burn_neuro_cli::allocator::keep_freed_pages();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => info::run(args),
        Command::Bench(args) => bench::run_command(args),
        Command::Train(args) => train::run_command(args),
        Command::Nir(command) => nir::run(command),
        Command::Reservoir(args) => reservoir::run_command(args),
        Command::Sidechannel(args) => sidechannel::run_command(args),
        Command::Dse(args) => dse::run_command(args),
        #[cfg(feature = "remote")]
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
