//! Helpers shared by the kernel tests: devices, deterministic inputs, comparisons, and the LIF
//! written with plain Burn tensor ops (the autodiff oracle for our fused backward).

pub mod training;

use burn::tensor::{DType, Device, Tensor, TensorData};
use burn_neuro::adapters::{GraphicsApi, list_adapters};

/// The wgpu device the tests run on: the default adapter, or the first adapter of the API that
/// `BURN_NEURO_TEST_API` names (`vulkan`, `metal`, `dx12`, `gl`), so the same tests run on a
/// second graphics API (CI runs the kernel families on GL as well as Vulkan). Panics (the test
/// fails, it does not skip) when no adapter exists: a CI without a GPU must install a software
/// Vulkan driver.
pub fn gpu() -> Device {
    assert!(
        !list_adapters().is_empty(),
        "no wgpu adapter found: install a Vulkan driver (e.g. Mesa's lavapipe, Debian package \
         mesa-vulkan-drivers) or run on a machine with a GPU"
    );
    match test_api() {
        None => Device::wgpu(Default::default()),
        Some(api) => {
            // Burn initialises an adapter's runtime once per process: open it once, share it.
            static DEVICE: std::sync::OnceLock<Device> = std::sync::OnceLock::new();
            DEVICE.get_or_init(|| burn_neuro::adapters::open_device(api).unwrap_or_else(|e| panic!("BURN_NEURO_TEST_API: {e}"))).clone()
        }
    }
}

/// The graphics API `BURN_NEURO_TEST_API` asks for, if any.
pub fn test_api() -> Option<GraphicsApi> {
    let name = std::env::var("BURN_NEURO_TEST_API").ok().filter(|name| !name.is_empty())?;
    Some(match name.to_ascii_lowercase().as_str() {
        "vulkan" => GraphicsApi::Vulkan,
        "metal" => GraphicsApi::Metal,
        "dx12" => GraphicsApi::Dx12,
        "gl" => GraphicsApi::Gl,
        other => panic!("BURN_NEURO_TEST_API={other}: expected vulkan, metal, dx12 or gl"),
    })
}

/// The float storage types the test device runs our kernels in: F32, and F16 where the adapter
/// has `SHADER_F16` (not on GL; the refusal there is tested in `out_of_bounds.rs`).
pub fn float_dtypes(device: &Device) -> Vec<DType> {
    if f16_or_skip(device, "the f16 cases") { vec![DType::F32, DType::F16] } else { vec![DType::F32] }
}

/// Whether our f16 kernels run on `device`.
pub fn has_f16(device: &Device) -> bool {
    burn_neuro::device::check_storage_dtype(device, "probe", DType::F16).is_ok()
}

/// [`has_f16`], saying on stderr what is skipped where it is false. Skipping is only allowed on
/// an API chosen with `BURN_NEURO_TEST_API` (GL has no f16; the refusal itself is what
/// `out_of_bounds.rs` tests there): on the default adapter the f16 cases must run, so a suite
/// on an adapter without `SHADER_F16` fails instead of passing without them.
pub fn f16_or_skip(device: &Device, what: &str) -> bool {
    let f16 = has_f16(device);
    if !f16 {
        assert!(
            test_api().is_some(),
            "{what}: the default test adapter lacks SHADER_F16, so the f16 kernels would go untested; run on an adapter \
             with it, or name an API without it in BURN_NEURO_TEST_API"
        );
        eprintln!("skipped on {device:?}: {what} (no SHADER_F16)");
    }
    f16
}

/// A device of its own on the test adapter, created with the adapter's features and limits as
/// `features` and `limits` change them (registered through `burn_neuro::device`, so the crate
/// sees what the device really has): tests of feature and limit checks run the same on every
/// adapter instead of depending on what it happens to offer.
pub fn custom_gpu(
    label: &str,
    features: impl FnOnce(burn::tensor::wgpu::wgpu::Features) -> burn::tensor::wgpu::wgpu::Features,
    limits: impl FnOnce(burn::tensor::wgpu::wgpu::Limits) -> burn::tensor::wgpu::wgpu::Limits,
) -> Device {
    use burn::tensor::wgpu::{WgpuSetup, wgpu};
    // On the API the other tests run on (`BURN_NEURO_TEST_API`), or wgpu's default choice.
    let default = wgpu::InstanceDescriptor::new_without_display_handle();
    let backends = match test_api() {
        None => default.backends,
        Some(GraphicsApi::Vulkan) => wgpu::Backends::VULKAN,
        Some(GraphicsApi::Metal) => wgpu::Backends::METAL,
        Some(GraphicsApi::Dx12) => wgpu::Backends::DX12,
        Some(GraphicsApi::Gl) => wgpu::Backends::GL,
    };
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor { backends, ..default });
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
        .expect("an adapter (the test machine must have a Vulkan driver)");
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some(label),
        required_features: features(adapter.features()),
        required_limits: limits(adapter.limits()),
        ..Default::default()
    }))
    .expect("a device with the requested features and limits");
    let backend = adapter.get_info().backend;
    burn_neuro::device::register_wgpu_setup(WgpuSetup { instance, adapter, device, queue, backend }).expect("registration")
}

/// Burn's CPU device (runs our CPU reference).
pub fn cpu() -> Device {
    Device::flex()
}

/// Deterministic pseudo-random values in [lo, hi) (SplitMix64), so failures reproduce.
pub fn uniform(len: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            lo + (hi - lo) * ((z >> 40) as f32 / (1u64 << 24) as f32)
        })
        .collect()
}

/// Rounds every value to f16 and back (what an f16 tensor holds).
pub fn to_f16_values(values: &[f32]) -> Vec<f32> {
    values.iter().map(|v| half::f16::from_f32(*v).to_f32()).collect()
}

/// A tensor with the given values, shape and dtype.
pub fn tensor<const D: usize>(values: Vec<f32>, shape: [usize; D], dtype: DType, device: &Device) -> Tensor<D> {
    // Converted on the host, so no cast kernel runs on the device.
    Tensor::from_data(TensorData::new(values, shape).convert_dtype(dtype), (device, dtype))
}

/// A tensor's values as f32.
pub fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().iter::<f32>().collect()
}

/// Asserts `|a − b| <= atol + rtol·|b|` everywhere, reporting the worst element.
#[track_caller]
pub fn assert_close(actual: &[f32], expected: &[f32], atol: f32, rtol: f32, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    let mut worst: Option<(usize, f32)> = None;
    for (i, (a, b)) in actual.iter().zip(expected).enumerate() {
        let err = (a - b).abs();
        // Equal values pass even where the difference is undefined (the same infinity).
        let ok = a == b || err <= atol + rtol * b.abs() || (a.is_nan() && b.is_nan());
        if !ok && worst.is_none_or(|(_, w)| err > w) {
            worst = Some((i, err));
        }
    }
    if let Some((i, err)) = worst {
        panic!("{what}: element {i} differs: got {}, expected {} (|diff| = {err}, atol {atol}, rtol {rtol})", actual[i], expected[i]);
    }
}

/// Every combination of the crossbar kernels' code-shaping choices (432), with every column
/// count per invocation (1 to 4) in turn: what the naga and binding tests render.
pub fn crossbar_variants() -> Vec<burn_neuro::kernels::crossbar::CrossbarVariant> {
    let mut all = Vec::new();
    for programming_noise in 0..3 {
        for drift in [false, true] {
            for noise_management in 0..3 {
                for read_noise in 0..3 {
                    for ir_drop in [false, true] {
                        for traces in [false, true] {
                            for transposed in [false, true] {
                                let cols_per_thread = 1 + all.len() as u32 % 4;
                                all.push(burn_neuro::kernels::crossbar::CrossbarVariant {
                                    programming_noise,
                                    drift,
                                    noise_management,
                                    read_noise,
                                    ir_drop,
                                    traces,
                                    transposed,
                                    cols_per_thread,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    all
}

/// One WGSL kernel as a launcher renders it.
pub struct KernelVariant {
    /// The kernel and the pass, neuron kind and saved state that pick its files: variants of
    /// one group share their body and differ only in the constants filled in.
    pub group: String,
    /// The group and every other choice the source was rendered with, for failure messages.
    pub name: String,
    /// The storage dtype, `None` for the ceiling probes (they have no `Elem` buffer).
    pub dtype: Option<DType>,
    pub source: String,
}

/// Every WGSL variant the launchers can render (7,215): each LIF spec of
/// `LifSpec::all_variants` with both saved states, all three passes, every neuron kind, in f32
/// and f16; every [`crossbar_variants`] entry as program and drift kernels (f32 only, as they
/// are launched) and as each of the four read kernels in f32 and f16; both spike propagation and spike packing
/// passes and the rate encoder in f32 and f16; both ceiling probes.
pub fn every_kernel_variant() -> Vec<KernelVariant> {
    use burn_neuro::kernels::ceiling::{CeilingProbe, ceiling_shader};
    use burn_neuro::kernels::crossbar::{CrossbarPass, crossbar_shader};
    use burn_neuro::kernels::lif::{LifPass, lif_shader};
    use burn_neuro::kernels::spike_pack::{PackPass, spike_pack_shader};
    use burn_neuro::kernels::spike_propagate::{PropagatePass, spike_propagate_shader};
    use burn_neuro::kernels::spikegen::rate_shader;
    use burn_neuro::neuron::{LifSpec, NeuronKind, SavedState};

    let mut all = Vec::new();
    let mut push = |group: String, details: String, dtype: Option<DType>, source: String| {
        let dtype_name = dtype.map(|dtype| format!(" {dtype:?}")).unwrap_or_default();
        let name = format!("{group}{dtype_name} {details}").trim_end().to_string();
        all.push(KernelVariant { group, name, dtype, source });
    };
    for dtype in [DType::F32, DType::F16] {
        for spec in LifSpec::all_variants() {
            for saved_state in [SavedState::Full, SavedState::Compact] {
                let spec = LifSpec { saved_state, ..spec };
                for pass in [LifPass::Forward, LifPass::Backward { coeff_grads: true }, LifPass::Backward { coeff_grads: false }] {
                    for kind in NeuronKind::ALL {
                        let group = format!("lif {pass:?} {kind:?} {saved_state:?}");
                        push(group, format!("{spec:?}"), Some(dtype), lif_shader(pass, &spec, dtype, kind));
                    }
                }
            }
        }
    }
    for variant in crossbar_variants() {
        for pass in [CrossbarPass::Program, CrossbarPass::Drift] {
            push(format!("crossbar {pass:?}"), format!("{variant:?}"), Some(DType::F32), crossbar_shader(pass, &variant, DType::F32));
        }
        for dtype in [DType::F32, DType::F16] {
            for pass in CrossbarPass::READ {
                push(format!("crossbar {pass:?}"), format!("{variant:?}"), Some(dtype), crossbar_shader(pass, &variant, dtype));
            }
        }
    }
    for dtype in [DType::F32, DType::F16] {
        for pass in [PropagatePass::Compact, PropagatePass::Accumulate] {
            push(format!("spike_propagate {pass:?}"), String::new(), Some(dtype), spike_propagate_shader(pass, dtype));
        }
        for pass in [PackPass::Pack, PackPass::Unpack] {
            push(format!("spike_pack {pass:?}"), String::new(), Some(dtype), spike_pack_shader(pass, dtype));
        }
        push("spikegen rate".into(), String::new(), Some(dtype), rate_shader(dtype));
        for backward in [false, true] {
            push(
                format!("reservoir_node backward={backward}"),
                String::new(),
                Some(dtype),
                burn_neuro::kernels::reservoir_node::reservoir_node_shader(backward, dtype),
            );
        }
    }
    for probe in [CeilingProbe::Copy, CeilingProbe::Fma] {
        push(format!("ceiling {probe:?}"), String::new(), None, ceiling_shader(probe));
    }
    // One variant: the step model is a runtime code.
    push("pulsed_update".into(), String::new(), None, burn_neuro::kernels::pulsed_update::pulsed_update_shader());
    // f32 only: the MIF's ranges need it.
    for backward in [false, true] {
        push(format!("mif backward={backward}"), String::new(), None, burn_neuro::kernels::mif::mif_shader(backward));
    }
    // f32 only: the WOx node's currents need it.
    push("wox_node".into(), String::new(), None, burn_neuro::kernels::wox_node::wox_node_shader());
    push("esn_layer".into(), String::new(), None, burn_neuro::kernels::esn_layer::esn_layer_shader());
    all
}

/// A neuron of `kind` whose coefficients are `rows`, in the kind's table order.
pub fn neuron_from_rows(kind: burn_neuro::NeuronKind, spec: burn_neuro::LifSpec, rows: &[Tensor<1>]) -> burn_neuro::Neuron {
    use burn_neuro::Coefficient;
    let mut neuron = burn_neuro::Neuron::new(kind, 0.0, 0.0).with_spec(spec);
    for (&c, row) in kind.layout().coefficients.iter().zip(rows) {
        let value = row.clone().into();
        match c {
            Coefficient::Beta => neuron.beta = value,
            Coefficient::Threshold => neuron.threshold = value,
            Coefficient::Alpha => neuron.alpha = value,
            Coefficient::RecurrentWeight => neuron.recurrent_weight = value,
        }
    }
    neuron
}

/// A state of `kind` whose planes are `rows`, in the kind's table order (the membrane first).
pub fn state_from_rows<const D: usize>(kind: burn_neuro::NeuronKind, rows: &[Tensor<D>]) -> burn_neuro::NeuronState<D> {
    use burn_neuro::Plane;
    let mut state = burn_neuro::NeuronState::new(rows[0].clone());
    for (&plane, row) in kind.layout().states.iter().zip(rows).skip(1) {
        let row = Some(row.clone());
        match plane {
            Plane::Synaptic => state.synaptic = row,
            Plane::Excitatory => state.excitatory = row,
            Plane::Inhibitory => state.inhibitory = row,
            Plane::Spikes => state.spikes = row,
            Plane::Membrane => unreachable!("the membrane is the first state"),
        }
    }
    state
}
