//! `burn-neuro info`: what wgpu sees, and whether our kernels compute the right thing there.

use std::time::Instant;

use burn::tensor::{DType, Device, Tensor, TensorData};
use burn_neuro::adapters::{AdapterReport, list_adapters};
use burn_neuro::reference::{Storage, lif as reference};
use burn_neuro::{LifSpec, Neuron, lif};

use crate::backend::BackendArg;

#[derive(clap::Args)]
pub struct InfoArgs {
    /// Adapter to self-check, by its index in the list (default: Burn's default adapter).
    #[arg(long)]
    adapter: Option<usize>,
    /// Only list adapters; skip the self-check.
    #[arg(long)]
    no_check: bool,
    /// Graphics API of the self-check when no `--adapter` is given (the list shows every API).
    #[arg(long, value_enum, default_value = "auto")]
    backend: BackendArg,
}

pub fn run(args: InfoArgs) -> Result<(), String> {
    let adapters = list_adapters();
    if adapters.is_empty() {
        return Err("wgpu found no adapter. Install a GPU driver, or Mesa's software Vulkan \
                    driver (Debian: apt-get install mesa-vulkan-drivers)"
            .into());
    }
    print_table(&adapters);
    if args.no_check {
        return Ok(());
    }
    let (label, device) = match args.adapter {
        Some(index) => {
            let adapter = adapters.get(index).ok_or_else(|| format!("--adapter {index}: no such adapter (valid: 0..={})", adapters.len() - 1))?;
            (format!("#{index} {}", adapter.name), adapter.device()?)
        }
        None if args.backend == BackendArg::Auto => ("default adapter".to_string(), Device::wgpu(Default::default())),
        None => (format!("first {:?} adapter", args.backend), args.backend.device()?),
    };
    let f16 = match args.adapter {
        Some(index) => adapters[index].shader_f16,
        None => device.supports_dtype(DType::F16),
    };
    println!("\nSelf-check of the fused LIF on the {label}:");
    self_check(&device, DType::F32)?;
    if f16 {
        self_check(&device, DType::F16)?;
    } else {
        println!("  f16: skipped (adapter lacks SHADER_F16)");
    }
    Ok(())
}

fn print_table(adapters: &[AdapterReport]) {
    println!(
        "{:<3} {:<34} {:<7} {:<13} {:<4} {:<9} {:<5} {:>9} {:>6} {:>8} {:>11}",
        "#", "adapter", "api", "type", "f16", "subgroup", "time", "wg/dim", "inv/wg", "wg mem", "storage buf"
    );
    for a in adapters {
        let subgroup = if a.subgroups { format!("{}-{}", a.subgroup_size.0, a.subgroup_size.1) } else { "no".into() };
        println!(
            "{:<3} {:<34} {:<7} {:<13} {:<4} {:<9} {:<5} {:>9} {:>6} {:>7}K {:>10}M",
            a.index,
            truncate(&a.name, 34),
            a.backend,
            a.device_type,
            yes_no(a.shader_f16),
            subgroup,
            yes_no(a.timestamps),
            a.max_workgroups_per_dimension,
            a.max_invocations_per_workgroup,
            a.max_workgroup_storage_bytes / 1024,
            a.max_storage_binding_bytes / (1024 * 1024),
        );
        if !a.driver.is_empty() {
            println!("    driver: {} {}", a.driver, a.driver_info);
        }
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

fn truncate(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}

/// Runs T = 16 steps over 16,384 neurons on `device` and compares with the CPU reference.
fn self_check(device: &Device, dtype: DType) -> Result<(), String> {
    let (steps, neurons) = (16, 16_384);
    let storage = if dtype == DType::F16 { Storage::F16 } else { Storage::F32 };
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        storage.round((state >> 40) as f32 / (1u64 << 24) as f32 * 1.2 - 0.2)
    };
    let x: Vec<f32> = (0..steps * neurons).map(|_| next()).collect();
    let zeros = vec![0.0; neurons];
    let spec = LifSpec::snntorch_default();

    let start = Instant::now();
    let input = Tensor::<2>::from_data(TensorData::new(x.clone(), [steps, neurons]).convert_dtype(dtype), (device, dtype));
    let out = lif(input, None, &Neuron::leaky(0.9).with_spec(spec)).map_err(|e| e.to_string())?;
    let spikes: Vec<f32> = out.spikes.into_data().iter::<f32>().collect();
    let membrane: Vec<f32> = out.membrane.into_data().iter::<f32>().collect();
    let elapsed = start.elapsed();

    let expected = reference::lif_forward(&reference::LifProblem {
        spec,
        storage,
        num_steps: steps,
        num_neurons: neurons,
        input: &x,
        initial: &zeros,
        beta: &[0.9],
        theta: &[1.0],
        synaptic: None,
        recurrent: None,
    });
    let spike_mismatches = spikes.iter().zip(&expected.spikes).filter(|(a, b)| a != b).count();
    let max_diff = membrane.iter().zip(&expected.membrane).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    let tolerance = if dtype == DType::F16 { 2e-3 } else { 1e-5 };
    let ok = spike_mismatches == 0 && max_diff <= tolerance;
    println!(
        "  {:?}: T={steps} N={neurons}: {} spike mismatches, max |ΔU| = {max_diff:.2e} (tolerance {tolerance:.0e}), {:.0} ms incl. compile — {}",
        dtype,
        spike_mismatches,
        elapsed.as_secs_f64() * 1e3,
        if ok { "ok" } else { "FAILED" }
    );
    if ok { Ok(()) } else { Err(format!("{dtype:?} self-check failed")) }
}
