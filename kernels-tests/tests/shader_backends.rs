//! Every WGSL variant the launchers render is translated, without a GPU, by the naga writers
//! wgpu hands it to: MSL on Metal, HLSL on DX12, GLSL ES on GL and SPIR-V on Vulkan, with the
//! options wgpu 30 gives them for a WGSL module created as the kernels are (no bounds checks,
//! loops bounded, workgroup memory not zeroed, a layout derived from the shader). naga
//! validating a module does not mean every writer takes it: a construct a writer refuses would
//! otherwise only fail on a machine of that platform, when the kernel is first launched there.

use std::collections::BTreeMap;
use std::process::Command;

use burn::tensor::DType;
use kernels_tests::{KernelVariant, every_kernel_variant};
use naga::back::{glsl, hlsl, msl, spv};
use naga::proc::{BoundsCheckPolicies, BoundsCheckPolicy};
use naga::valid::{Capabilities, ModuleInfo, ValidationFlags, Validator};
use naga::{AddressSpace, Module, ResourceBinding, ShaderStage, StorageAccess};

/// Every kernel's entry point.
const ENTRY_POINT: &str = "main";

/// The oldest language version wgpu picks on a macOS that Rust still targets (10.12). The
/// writer refuses some functions below some versions (bit extraction below 1.2), so the
/// oldest one is where a refusal shows first.
const MSL_VERSION: (u8, u8) = (1, 2);

/// SPIR-V 1.0, what wgpu writes for a Vulkan 1.0 device: the writer then declares every
/// extension a construct needs instead of relying on a newer core.
const SPIRV_VERSION: (u8, u8) = (1, 0);

/// What wgpu's GL backend writes on an OpenGL ES 3.1 context, the first with compute shaders.
const GLSL_VERSION: glsl::Version = glsl::Version::Embedded { version: 310, is_webgl: false };

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Backend {
    Msl,
    Hlsl,
    Glsl,
    SpirV,
}

impl Backend {
    const ALL: [Backend; 4] = [Backend::Msl, Backend::Hlsl, Backend::Glsl, Backend::SpirV];

    fn name(self) -> &'static str {
        match self {
            Backend::Msl => "MSL",
            Backend::Hlsl => "HLSL",
            Backend::Glsl => "GLSL ES 3.1",
            Backend::SpirV => "SPIR-V",
        }
    }

    /// Whether wgpu runs `variant` on this backend: its GL backend never grants `SHADER_F16`,
    /// so the f16 variants are never launched there.
    fn runs(self, variant: &KernelVariant) -> bool {
        self != Backend::Glsl || !is_f16(variant)
    }
}

fn is_f16(variant: &KernelVariant) -> bool {
    variant.dtype == Some(DType::F16)
}

/// What a real adapter grants (as in naga_validation.rs): f16 packing in f32 everywhere, f16
/// arithmetic where the variant enables it.
fn adapter_capabilities(variant: &KernelVariant) -> Capabilities {
    let base = Capabilities::SHADER_FLOAT16_IN_FLOAT32;
    if is_f16(variant) { base | Capabilities::SHADER_FLOAT16 } else { base }
}

/// A translation: text for the source languages, words for SPIR-V.
enum Output {
    Text(String),
    Words(Vec<u32>),
}

/// One resource binding of the layout wgpu derives from the shader, in binding order.
struct LayoutEntry {
    at: ResourceBinding,
    writable: bool,
}

/// The derived layout: the module's bindings, sorted as wgpu sorts a layout's entries.
fn derived_layout(module: &Module, what: &str) -> Vec<LayoutEntry> {
    let mut entries: Vec<_> = module
        .global_variables
        .iter()
        .filter_map(|(_, var)| {
            let at = var.binding?;
            // Only storage buffers are modelled; bindings.rs checks that no kernel binds anything else.
            let AddressSpace::Storage { access } = var.space else {
                panic!("{what}: binding {at:?} is not a storage buffer; the layouts here model storage buffers only")
            };
            Some(LayoutEntry { at, writable: access.contains(StorageAccess::STORE) })
        })
        .collect();
    entries.sort_by_key(|entry| (entry.at.group, entry.at.binding));
    entries
}

/// Burn creates its WGSL modules without wgpu's bounds checks.
const UNCHECKED: BoundsCheckPolicies = BoundsCheckPolicies {
    index: BoundsCheckPolicy::Unchecked,
    buffer: BoundsCheckPolicy::Unchecked,
    image_load: BoundsCheckPolicy::Unchecked,
    binding_array: BoundsCheckPolicy::Unchecked,
};

/// Burn launches its kernels checked, and then has wgpu bound every loop.
const FORCE_LOOP_BOUNDING: bool = true;

fn write_msl(module: &Module, info: &ModuleInfo, layout: &[LayoutEntry]) -> Result<Output, String> {
    // Buffers take Metal slots in layout order, then one more slot for the buffer sizes that
    // runtime-sized arrays read.
    let resources = layout
        .iter()
        .enumerate()
        .map(|(slot, entry)| (entry.at, msl::BindTarget { buffer: Some(slot as msl::Slot), mutable: entry.writable, ..Default::default() }))
        .collect();
    let resources = msl::EntryPointResources { resources, immediates_buffer: None, sizes_buffer: Some(layout.len() as msl::Slot) };
    let options = msl::Options {
        lang_version: MSL_VERSION,
        per_entry_point_map: [(ENTRY_POINT.to_string(), resources)].into(),
        inline_samplers: Vec::new(),
        spirv_cross_compatibility: false,
        fake_missing_bindings: false,
        bounds_check_policies: UNCHECKED,
        zero_initialize_workgroup_memory: false,
        force_loop_bounding: FORCE_LOOP_BOUNDING,
        task_dispatch_limits: None,
        mesh_shader_primitive_indices_clamp: false,
        emit_int_div_checks: false,
        ray_query_initialization_tracking: false,
    };
    let pipeline = msl::PipelineOptions {
        entry_point: Some((ShaderStage::Compute, ENTRY_POINT.to_string())),
        allow_and_force_point_size: false,
        vertex_pulling_transform: true,
        vertex_buffer_mappings: Vec::new(),
        binding_array_length_map: Default::default(),
    };
    msl::write_string(module, info, &options, &pipeline).map(|(source, _)| Output::Text(source)).map_err(|e| format!("{e:?}"))
}

fn write_hlsl(module: &Module, info: &ModuleInfo, layout: &[LayoutEntry], f16: bool) -> Result<Output, String> {
    let register = |space: u8, register: u32| hlsl::BindTarget {
        space,
        register,
        binding_array_size: None,
        dynamic_storage_buffer_offsets_index: None,
        restrict_indexing: false,
    };
    // Read-write buffers are UAVs (u0, u1, …), read-only ones SRVs (t0, …), all in space 0.
    let (mut uavs, mut srvs) = (0, 0);
    let mut binding_map = hlsl::BindingMap::new();
    for entry in layout {
        let counter = if entry.writable { &mut uavs } else { &mut srvs };
        binding_map.insert(entry.at, register(0, *counter));
        *counter += 1;
    }
    let options = hlsl::Options {
        // What DXC (f16 needs 6.2) and FXC (5.1) accept.
        shader_model: if f16 { hlsl::ShaderModel::V6_2 } else { hlsl::ShaderModel::V5_1 },
        binding_map,
        fake_missing_bindings: false,
        // The constant buffer (b0) through which wgpu passes `num_workgroups`.
        special_constants_binding: Some(register(0, 0)),
        immediates_target: None,
        zero_initialize_workgroup_memory: false,
        restrict_indexing: false,
        force_loop_bounding: FORCE_LOOP_BOUNDING,
        task_dispatch_limits: None,
        mesh_shader_primitive_indices_clamp: false,
        ray_query_initialization_tracking: false,
        ..Default::default()
    };
    let pipeline = hlsl::PipelineOptions { entry_point: Some((ShaderStage::Compute, ENTRY_POINT.to_string())) };
    let mut source = String::new();
    hlsl::Writer::new(&mut source, &options, &pipeline).write(module, info, None).map_err(|e| format!("{e:?}"))?;
    Ok(Output::Text(source))
}

fn write_glsl(module: &Module, info: &ModuleInfo, layout: &[LayoutEntry]) -> Result<Output, String> {
    // Storage buffers take GL's buffer slots in layout order.
    let binding_map = layout.iter().enumerate().map(|(slot, entry)| (entry.at, slot as u8)).collect();
    let options = glsl::Options {
        version: GLSL_VERSION,
        writer_flags: glsl::WriterFlags::ADJUST_COORDINATE_SPACE | glsl::WriterFlags::FORCE_POINT_SIZE,
        binding_map,
        zero_initialize_workgroup_memory: false,
    };
    let pipeline = glsl::PipelineOptions { shader_stage: ShaderStage::Compute, entry_point: ENTRY_POINT.to_string(), multiview: None };
    let mut source = String::new();
    glsl::Writer::new(&mut source, module, info, &options, &pipeline, UNCHECKED)
        .and_then(|mut writer| writer.write())
        .map_err(|e| format!("{e:?}"))?;
    Ok(Output::Text(source))
}

fn write_spirv(module: &Module, info: &ModuleInfo, layout: &[LayoutEntry], f16: bool) -> Result<Output, String> {
    use spv::Capability as C;
    // The capabilities every Vulkan device has, plus Float16 where the device grants f16.
    let mut capabilities = vec![C::Shader, C::Matrix, C::Sampled1D, C::Image1D, C::ImageQuery, C::DerivativeControl, C::StorageImageExtendedFormats];
    if f16 {
        capabilities.push(C::Float16);
    }
    // Descriptor set = group; bindings numbered in layout order.
    let binding_map = layout
        .iter()
        .enumerate()
        .map(|(index, entry)| (entry.at, spv::BindingInfo { descriptor_set: entry.at.group, binding: index as u32, binding_array_size: None }))
        .collect();
    let options = spv::Options {
        lang_version: SPIRV_VERSION,
        flags: spv::WriterFlags::LABEL_VARYINGS | spv::WriterFlags::FORCE_POINT_SIZE,
        fake_missing_bindings: false,
        binding_map,
        capabilities: Some(capabilities.into_iter().collect()),
        bounds_check_policies: UNCHECKED,
        zero_initialize_workgroup_memory: spv::ZeroInitializeWorkgroupMemoryMode::None,
        force_loop_bounding: FORCE_LOOP_BOUNDING,
        ray_query_initialization_tracking: false,
        trace_ray_argument_validation: true,
        use_storage_input_output_16: f16,
        debug_info: None,
        task_dispatch_limits: None,
        mesh_shader_primitive_indices_clamp: false,
        emit_int_div_checks: false,
    };
    let pipeline = spv::PipelineOptions { shader_stage: ShaderStage::Compute, entry_point: ENTRY_POINT.to_string() };
    spv::write_vec(module, info, &options, Some(&pipeline)).map(Output::Words).map_err(|e| format!("{e:?}"))
}

/// Parses and validates `variant`, then translates it to each of `backends`. Each failure
/// names the backend, the variant and naga's error.
fn translate(variant: &KernelVariant, backends: &[Backend]) -> Vec<(Backend, Result<Output, String>)> {
    let what = &variant.name;
    let source = &variant.source;
    assert_eq!(source.starts_with("enable f16;"), is_f16(variant), "{what}: `enable f16;` must lead exactly the f16 variants");
    let module = naga::front::wgsl::parse_str(source).unwrap_or_else(|e| panic!("{what}: WGSL parse error:\n{}", e.emit_to_string(source)));
    let info = Validator::new(ValidationFlags::all(), adapter_capabilities(variant))
        .validate(&module)
        .unwrap_or_else(|e| panic!("{what}: naga validation error:\n{}", e.emit_to_string(source)));
    // wgpu resolves overrides and keeps the one entry point before every writer.
    let (module, info) =
        naga::back::pipeline_constants::process_overrides(&module, &info, Some((ShaderStage::Compute, ENTRY_POINT)), &Default::default())
            .unwrap_or_else(|e| panic!("{what}: processing overrides: {e:?}"));
    let layout = derived_layout(&module, what);
    let f16 = is_f16(variant);
    backends
        .iter()
        .map(|&backend| {
            let output = match backend {
                Backend::Msl => write_msl(&module, &info, &layout),
                Backend::Hlsl => write_hlsl(&module, &info, &layout, f16),
                Backend::Glsl => write_glsl(&module, &info, &layout),
                Backend::SpirV => write_spirv(&module, &info, &layout, f16),
            };
            (backend, output.map_err(|e| format!("{}: {what}: naga's writer refused it: {e}", backend.name())))
        })
        .collect()
}

/// Translates every variant to every backend that runs it, on all cores, and returns how many
/// translations each backend did and every failure.
fn translate_all(variants: &[KernelVariant]) -> (BTreeMap<Backend, usize>, Vec<String>) {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    let mut counts = BTreeMap::new();
                    let mut failures = Vec::new();
                    for variant in variants.iter().skip(worker).step_by(workers) {
                        let backends: Vec<Backend> = Backend::ALL.into_iter().filter(|backend| backend.runs(variant)).collect();
                        for (backend, output) in translate(variant, &backends) {
                            match output {
                                Ok(_) => *counts.entry(backend).or_insert(0) += 1,
                                Err(failure) => failures.push(failure),
                            }
                        }
                    }
                    (counts, failures)
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut counts = BTreeMap::new();
    let mut failures = Vec::new();
    for (worker_counts, worker_failures) in results {
        for (backend, count) in worker_counts {
            *counts.entry(backend).or_insert(0) += count;
        }
        failures.extend(worker_failures);
    }
    (counts, failures)
}

#[test]
fn every_variant_translates_to_every_backend_that_runs_it() {
    let variants = every_kernel_variant();
    assert_eq!(variants.len(), 7221, "as many variants as naga_validation.rs validates");
    let f16 = variants.iter().filter(|v| is_f16(v)).count();
    assert_eq!(f16, 3175);

    let (counts, failures) = translate_all(&variants);
    assert!(
        failures.is_empty(),
        "{} translations failed; the first ones:\n{}",
        failures.len(),
        failures.iter().take(10).cloned().collect::<Vec<_>>().join("\n\n")
    );
    // Every variant to MSL, HLSL and SPIR-V; the 4,046 without f16 to GLSL.
    let expected = BTreeMap::from([(Backend::Msl, 7221), (Backend::Hlsl, 7221), (Backend::Glsl, 4046), (Backend::SpirV, 7221)]);
    assert_eq!(counts, expected, "translations per backend");
}

/// Guards the guard: a writer's refusal comes back with the backend, the variant and naga's
/// error. GLSL ES has no f16, so an f16 kernel forced onto that writer is refused.
#[test]
fn a_refused_translation_names_the_backend_the_variant_and_the_error() {
    let variants = every_kernel_variant();
    let variant = variants.iter().find(|v| is_f16(v)).expect("an f16 variant");
    let [(backend, output)] = translate(variant, &[Backend::Glsl]).try_into().ok().expect("one translation");
    assert_eq!(backend, Backend::Glsl);
    let Err(failure) = output else { panic!("the GLSL writer took an f16 kernel") };
    let prefix = format!("GLSL ES 3.1: {}: naga's writer refused it: ", variant.name);
    assert!(failure.starts_with(&prefix) && failure.len() > prefix.len(), "{failure}");
}

/// Which variants the reference validators check: the first of each group in each dtype (so
/// every kernel body, saved-state snippet and neuron kind), and every 50th besides (spread over
/// the constants the groups fill in).
fn validator_subset(variants: &[KernelVariant]) -> Vec<&KernelVariant> {
    let mut seen = std::collections::HashSet::new();
    variants.iter().enumerate().filter(|(index, v)| seen.insert((v.group.clone(), v.dtype)) || index % 50 == 0).map(|(_, v)| v).collect()
}

/// Whether `tool` can be run (it is optional: the test passes without it).
fn installed(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|out| out.status.success())
}

/// Runs `tool` with `args` on `paths`; its complaint on failure.
fn check_with(tool: &str, args: &[&str], paths: &[std::path::PathBuf]) -> Result<(), String> {
    let out = Command::new(tool).args(args).args(paths).output().map_err(|e| format!("{tool} could not be run: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Err(format!("{tool} rejected {paths:?}:\n{stdout}{stderr}"))
}

/// The SPIR-V and GLSL ES translations of a subset of the variants pass the Khronos
/// validators (SPIRV-Tools' `spirv-val`, glslang's `glslangValidator`) where those are
/// installed; naga's writers do not check their own output.
#[test]
fn translations_pass_the_reference_validators_where_installed() {
    let spirv_val = installed("spirv-val");
    let glslang = installed("glslangValidator");
    for (tool, present) in [("spirv-val", spirv_val), ("glslangValidator", glslang)] {
        if !present {
            println!("{tool} is not installed: its check of the translations is skipped");
        }
    }
    let mut backends = Vec::new();
    if spirv_val {
        backends.push(Backend::SpirV);
    }
    if glslang {
        backends.push(Backend::Glsl);
    }
    if backends.is_empty() {
        return;
    }

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("shader_backends");
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    // Guards the guard: each present validator rejects a broken file.
    let broken = [(Backend::SpirV, "broken.spv", "not SPIR-V"), (Backend::Glsl, "broken.comp", "#version 310 es\nvoid main() { x = 1; }\n")];
    for (backend, file, content) in broken.into_iter().filter(|(backend, _, _)| backends.contains(backend)) {
        let path = dir.join(file);
        std::fs::write(&path, content).expect("writing the broken file");
        let tool = if backend == Backend::SpirV { "spirv-val" } else { "glslangValidator" };
        assert!(check_with(tool, &[], &[path]).is_err(), "{tool} took a broken file");
    }

    let variants = every_kernel_variant();
    let subset = validator_subset(&variants);
    let mut checked = BTreeMap::new();
    let mut failures = Vec::new();
    let mut glsl_files = Vec::new();
    for (index, variant) in subset.iter().enumerate() {
        let runs: Vec<Backend> = backends.iter().copied().filter(|backend| backend.runs(variant)).collect();
        for (backend, output) in translate(variant, &runs) {
            let output = output.unwrap_or_else(|failure| panic!("{failure}"));
            *checked.entry(backend).or_insert(0) += 1;
            match (backend, output) {
                (Backend::SpirV, Output::Words(words)) => {
                    let path = dir.join(format!("{index}.spv"));
                    let bytes: Vec<u8> = words.iter().flat_map(|word| word.to_le_bytes()).collect();
                    std::fs::write(&path, bytes).expect("writing the SPIR-V");
                    // SPIR-V 1.0 is what a Vulkan 1.0 device takes.
                    if let Err(complaint) = check_with("spirv-val", &["--target-env", "vulkan1.0"], &[path]) {
                        failures.push(format!("{}: {}: {complaint}", backend.name(), variant.name));
                    }
                }
                (Backend::Glsl, Output::Text(source)) => {
                    // glslang takes the stage from the extension.
                    let path = dir.join(format!("{index}.comp"));
                    std::fs::write(&path, source).expect("writing the GLSL");
                    glsl_files.push((path, &variant.name));
                }
                _ => unreachable!("only SPIR-V and GLSL are checked"),
            }
        }
    }
    // glslang's start-up dominates its run time, so it compiles every file in one run (each
    // on its own, no linking); only when that fails is each file checked alone to name the
    // variant.
    let paths: Vec<_> = glsl_files.iter().map(|(path, _)| path.clone()).collect();
    if !paths.is_empty() && check_with("glslangValidator", &[], &paths).is_err() {
        for (path, name) in &glsl_files {
            if let Err(complaint) = check_with("glslangValidator", &[], std::slice::from_ref(path)) {
                failures.push(format!("{}: {name}: {complaint}", Backend::Glsl.name()));
            }
        }
    }
    println!("checked by the reference validators: {checked:?} of {} variants", subset.len());
    assert!(failures.is_empty(), "{} translations rejected; the first ones:\n{}", failures.len(), failures[..failures.len().min(5)].join("\n\n"));
}
