//! Every WGSL variant the launchers render is parsed and validated by naga, without a GPU,
//! and the Rust parameter structs match naga's layout of their WGSL twins.

use burn::tensor::DType;
use burn_neuro::kernels::ceiling::{CeilingProbe, ceiling_shader};
use burn_neuro::kernels::crossbar::{CrossbarParams, CrossbarPass, crossbar_shader};
use burn_neuro::kernels::lif::{LifParams, LifPass, lif_shader};
use burn_neuro::kernels::spike_propagate::{PropagateParams, PropagatePass, spike_propagate_shader};
use burn_neuro::neuron::{LifSpec, NeuronKind, SavedState};
use kernels_tests::crossbar_variants;
use naga::valid::{Capabilities, ValidationFlags, Validator};

/// What a real adapter grants: core WGSL with f16 packing in f32 (`pack2x16float`, which wgpu
/// grants on Vulkan, Metal and DX12 alike), plus f16 arithmetic where the variant enables it
/// (wgpu's `SHADER_F16`). No kernel uses subgroups.
fn adapter_capabilities(source: &str) -> Capabilities {
    let base = Capabilities::SHADER_FLOAT16_IN_FLOAT32;
    if source.starts_with("enable f16;") { base | Capabilities::SHADER_FLOAT16 } else { base }
}

fn validate(source: &str, what: &str) -> naga::Module {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{what}: WGSL parse error:\n{}\n--- source ---\n{source}", e.emit_to_string(source)));
    Validator::new(ValidationFlags::all(), adapter_capabilities(source))
        .validate(&module)
        .unwrap_or_else(|e| panic!("{what}: naga validation error:\n{}\n--- source ---\n{source}", e.emit_to_string(source)));
    module
}

/// Member offsets and total size of the WGSL struct `name`.
fn struct_layout(module: &naga::Module, name: &str) -> (Vec<(String, u32)>, u32) {
    module
        .types
        .iter()
        .find_map(|(_, ty)| match &ty.inner {
            naga::TypeInner::Struct { members, span } if ty.name.as_deref() == Some(name) => {
                Some((members.iter().map(|m| (m.name.clone().unwrap_or_default(), m.offset)).collect(), *span))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("struct {name} not found"))
}

#[test]
fn lif_forward_and_lif_backward_validate_in_every_variant() {
    let mut count = 0;
    for dtype in [DType::F32, DType::F16] {
        for spec in LifSpec::all_variants() {
            for saved_state in [SavedState::Full, SavedState::Compact] {
                let spec = LifSpec { saved_state, ..spec };
                for pass in [LifPass::Forward, LifPass::Backward { coeff_grads: true }, LifPass::Backward { coeff_grads: false }] {
                    for model in NeuronKind::ALL {
                        let source = lif_shader(pass, &spec, dtype, model);
                        assert!(source.contains("fn main("), "entry point must be `main`");
                        validate(&source, &format!("{pass:?} {dtype:?} {spec:?} {model:?}"));
                        count += 1;
                    }
                }
            }
        }
    }
    // 2 dtypes × 4 resets × 2 delays × 6 surrogates × 2 saved states × 3 kernels × 5 neuron
    // models (the alpha model renders its own kernel pair; lif_common is in every one).
    assert_eq!(count, 2880);
}

#[test]
fn f16_variants_enable_f16_and_f32_variants_do_not() {
    let spec = LifSpec::snntorch_default();
    assert!(lif_shader(LifPass::Forward, &spec, DType::F16, NeuronKind::Leaky).contains("enable f16;"));
    assert!(!lif_shader(LifPass::Forward, &spec, DType::F32, NeuronKind::Leaky).contains("enable f16"));
}

#[test]
fn lif_params_layout_matches_wgsl() {
    let module = validate(&lif_shader(LifPass::Forward, &LifSpec::snntorch_default(), DType::F32, NeuronKind::Leaky), "forward");
    let (members, span) = struct_layout(&module, "LifParams");
    let rust = [
        ("num_steps", std::mem::offset_of!(LifParams, num_steps)),
        ("num_neurons", std::mem::offset_of!(LifParams, num_neurons)),
        ("coeff_len", std::mem::offset_of!(LifParams, coeff_len)),
        ("quant_levels", std::mem::offset_of!(LifParams, quant_levels)),
        ("surrogate_a", std::mem::offset_of!(LifParams, surrogate_a)),
        ("surrogate_b", std::mem::offset_of!(LifParams, surrogate_b)),
        ("quant_lower", std::mem::offset_of!(LifParams, quant_lower)),
        ("quant_step", std::mem::offset_of!(LifParams, quant_step)),
        ("quant_inv_step", std::mem::offset_of!(LifParams, quant_inv_step)),
        ("_pad0", std::mem::offset_of!(LifParams, _pad0)),
        ("_pad1", std::mem::offset_of!(LifParams, _pad1)),
        ("_pad2", std::mem::offset_of!(LifParams, _pad2)),
    ];
    let rust: Vec<(String, u32)> = rust.iter().map(|(n, o)| (n.to_string(), *o as u32)).collect();
    assert_eq!(members, rust, "member names and offsets");
    assert_eq!(span as usize, std::mem::size_of::<LifParams>(), "struct size");
}

#[test]
fn a_broken_shader_is_rejected() {
    // Guards the guard: the validator must fail on a type error.
    let bad = "@compute @workgroup_size(1) fn main() { let x: u32 = 1.5; }";
    let parsed = naga::front::wgsl::parse_str(bad);
    let rejected = match parsed {
        Err(_) => true,
        Ok(module) => Validator::new(ValidationFlags::all(), Capabilities::all()).validate(&module).is_err(),
    };
    assert!(rejected);
}

#[test]
fn spike_compact_and_spike_accumulate_validate_and_share_params() {
    // spike_common is in both.
    for pass in [PropagatePass::Compact, PropagatePass::Accumulate] {
        for dtype in [DType::F32, DType::F16] {
            validate(&spike_propagate_shader(pass, dtype), &format!("{pass:?} {dtype:?}"));
        }
    }
    let module = validate(&spike_propagate_shader(PropagatePass::Accumulate, DType::F32), "spike_accumulate");
    let (members, span) = struct_layout(&module, "PropagateParams");
    let rust = [
        ("groups", std::mem::offset_of!(PropagateParams, groups)),
        ("reduce", std::mem::offset_of!(PropagateParams, reduce)),
        ("columns", std::mem::offset_of!(PropagateParams, columns)),
        ("column_blocks", std::mem::offset_of!(PropagateParams, column_blocks)),
        ("stride_group", std::mem::offset_of!(PropagateParams, stride_group)),
        ("stride_reduce", std::mem::offset_of!(PropagateParams, stride_reduce)),
        ("_pad0", std::mem::offset_of!(PropagateParams, _pad0)),
        ("_pad1", std::mem::offset_of!(PropagateParams, _pad1)),
    ];
    let rust: Vec<(String, u32)> = rust.iter().map(|(n, o)| (n.to_string(), *o as u32)).collect();
    assert_eq!(members, rust);
    assert_eq!(span as usize, std::mem::size_of::<PropagateParams>());
}

#[test]
fn bench_copy_and_bench_fma_probes_validate() {
    for probe in [CeilingProbe::Copy, CeilingProbe::Fma] {
        validate(&ceiling_shader(probe), &format!("{probe:?}"));
    }
}

#[test]
fn crossbar_program_and_crossbar_read_validate_in_every_variant() {
    // crossbar_common and philox are part of both kernels.
    let variants = crossbar_variants();
    assert_eq!(variants.len(), 432);
    for variant in &variants {
        validate(&crossbar_shader(CrossbarPass::Program, variant, DType::F32), &format!("program {variant:?}"));
        validate(&crossbar_shader(CrossbarPass::Drift, variant, DType::F32), &format!("crossbar_drift {variant:?}"));
        for dtype in [DType::F32, DType::F16] {
            for pass in CrossbarPass::READ {
                validate(&crossbar_shader(pass, variant, dtype), &format!("{pass:?} {variant:?} {dtype:?}"));
            }
        }
    }
}

#[test]
fn crossbar_params_layout_matches_wgsl() {
    let module = validate(&crossbar_shader(CrossbarPass::ReadFinish, &crossbar_variants()[0], DType::F32), "crossbar_read_finish");
    let (members, span) = struct_layout(&module, "CrossbarParams");
    assert_eq!(span as usize, std::mem::size_of::<CrossbarParams>(), "struct size");
    macro_rules! offsets {
        ($($field:ident),*) => { vec![$((stringify!($field).to_string(), std::mem::offset_of!(CrossbarParams, $field) as u32)),*] };
    }
    let rust = offsets!(
        inputs,
        outputs,
        batch,
        tile_rows,
        tile_cols,
        row_tiles,
        col_tiles,
        call,
        seed_lo,
        seed_hi,
        levels,
        cols_per_thread,
        g_min,
        g_max,
        inv_g_range,
        inv_g_max,
        programming_sigma,
        device_variation,
        stuck_at_min,
        stuck_at_max,
        drift_scale,
        log_time_ratio,
        input_step,
        input_bound,
        output_step,
        output_bound,
        noise_constant,
        max_bound_factor,
        output_noise,
        read_noise,
        ir_drop,
        ir_drop_g_ratio,
        read_voltage,
        padded_rows,
        _pad0,
        integration_ns
    );
    assert_eq!(members, rust, "member names and offsets");
}

#[test]
fn crossbar_drift_params_layout_matches_wgsl() {
    use burn_neuro::kernels::crossbar::DriftParams;
    let module = validate(&crossbar_shader(CrossbarPass::Drift, &crossbar_variants()[0], DType::F32), "crossbar_drift");
    let (members, span) = struct_layout(&module, "DriftParams");
    macro_rules! offsets {
        ($($field:ident),*) => { vec![$((stringify!($field).to_string(), std::mem::offset_of!(DriftParams, $field) as u32)),*] };
    }
    let rust = offsets!(devices, seed_lo, seed_hi, realisation, log_time_ratio, read_noise_factor, inv_g_max, _pad0);
    assert_eq!(members, rust);
    assert_eq!(span as usize, std::mem::size_of::<DriftParams>());
}

#[test]
fn pulsed_update_validates_and_its_params_match() {
    use burn_neuro::kernels::pulsed_update::{PulsedParams, pulsed_update_shader};
    let module = validate(&pulsed_update_shader(), "pulsed_update");
    let (members, span) = struct_layout(&module, "PulsedParams");
    macro_rules! offsets {
        ($($field:ident),*) => { vec![$((stringify!($field).to_string(), std::mem::offset_of!(PulsedParams, $field) as u32)),*] };
    }
    assert_eq!(
        members,
        offsets!(
            devices,
            step,
            seed_lo,
            seed_hi,
            model,
            flags,
            program,
            _pad0,
            dw_min,
            up_down,
            w_max,
            w_min,
            dw_min_dtod,
            up_down_dtod,
            w_max_dtod,
            w_min_dtod,
            dw_min_std,
            write_noise,
            p0,
            p1,
            p2,
            p3,
            p4,
            p5,
            p6,
            p7
        )
    );
    assert_eq!(span as usize, std::mem::size_of::<PulsedParams>());
}

#[test]
fn mif_kernels_validate_and_their_params_match() {
    use burn_neuro::kernels::mif::{MifKernelParams, mif_shader};
    // Both kernels carry the update and its adjoint from shaders/mif_common.wgsl.
    for backward in [false, true] {
        let text = mif_shader(backward);
        assert!(text.contains("fn mif_step(") && text.contains("fn mif_step_adjoint("), "mif_common.wgsl rendered into backward={backward}");
    }
    validate(&mif_shader(true), "mif backward");
    let module = validate(&mif_shader(false), "mif forward");
    let (members, span) = struct_layout(&module, "MifKernelParams");
    macro_rules! offsets {
        ($($field:ident),*) => { vec![$((stringify!($field).to_string(), std::mem::offset_of!(MifKernelParams, $field) as u32)),*] };
    }
    assert_eq!(members, offsets!(neurons, steps, g_on, g_off, dt_over_c, inv_tau, inv_tau_alpha, inv_k_th, v_on, v_off, e1, e2));
    assert_eq!(span as usize, std::mem::size_of::<MifKernelParams>());
}

#[test]
fn reservoir_node_kernels_validate_and_their_params_match() {
    use burn_neuro::kernels::reservoir_node::{ReservoirNodeParams, reservoir_node_shader};
    for dtype in [DType::F32, DType::F16] {
        for backward in [false, true] {
            validate(&reservoir_node_shader(backward, dtype), &format!("reservoir_node backward={backward} {dtype:?}"));
        }
    }
    let module = validate(&reservoir_node_shader(false, DType::F32), "reservoir_node forward");
    let (members, span) = struct_layout(&module, "ReservoirNodeParams");
    macro_rules! offsets {
        ($($field:ident),*) => { vec![$((stringify!($field).to_string(), std::mem::offset_of!(ReservoirNodeParams, $field) as u32)),*] };
    }
    assert_eq!(members, offsets!(neurons, channels, steps, g_max));
    assert_eq!(span as usize, std::mem::size_of::<ReservoirNodeParams>());
}

#[test]
fn wox_node_kernel_validates_and_its_params_match() {
    use burn_neuro::kernels::wox_node::{WoxNodeParams, wox_node_shader};
    let module = validate(&wox_node_shader(), "wox_node");
    let (members, span) = struct_layout(&module, "WoxNodeParams");
    macro_rules! offsets {
        ($($field:ident),*) => { vec![$((stringify!($field).to_string(), std::mem::offset_of!(WoxNodeParams, $field) as u32)),*] };
    }
    assert_eq!(members, offsets!(neurons, steps, alpha, beta, gamma, delta, lambda_dt, eta, w_min, dt_over_tau));
    assert_eq!(span as usize, std::mem::size_of::<WoxNodeParams>());
}

#[test]
fn esn_layer_kernel_validates_and_its_params_match() {
    use burn_neuro::kernels::esn_layer::{EsnLayerParams, esn_layer_shader};
    // naga checks the uniformity of expressions but not of barriers, so check by hand that the
    // step loop and early return around the barriers read their bounds through
    // workgroupUniformLoad, not from the storage buffer (other WGSL compilers refuse that).
    let text = esn_layer_shader();
    let main = &text[text.find("fn main(").expect("an entry point")..];
    assert!(main.contains("workgroupUniformLoad(&shared_params)") && !main.contains("params.batch") && !main.contains("params.steps"), "{main}");
    let module = validate(&text, "esn_layer");
    let (members, span) = struct_layout(&module, "EsnLayerParams");
    macro_rules! offsets {
        ($($field:ident),*) => { vec![$((stringify!($field).to_string(), std::mem::offset_of!(EsnLayerParams, $field) as u32)),*] };
    }
    assert_eq!(members, offsets!(neurons, steps, batch, leak));
    assert_eq!(span as usize, std::mem::size_of::<EsnLayerParams>());
}

#[test]
fn spikegen_rate_validates_and_its_params_match() {
    use burn_neuro::kernels::spikegen::{RateParams, rate_shader};
    for dtype in [DType::F32, DType::F16] {
        validate(&rate_shader(dtype), &format!("spikegen_rate {dtype:?}"));
    }
    let module = validate(&rate_shader(DType::F32), "spikegen_rate");
    let (members, span) = struct_layout(&module, "RateParams");
    macro_rules! offsets {
        ($($field:ident),*) => { vec![$((stringify!($field).to_string(), std::mem::offset_of!(RateParams, $field) as u32)),*] };
    }
    assert_eq!(members, offsets!(neurons, steps, first_spike_time, seed_lo, seed_hi, seed_from_draws, _pad1, _pad2));
    assert_eq!(span as usize, std::mem::size_of::<RateParams>());
}

#[test]
fn spike_pack_and_spike_unpack_validate_and_share_params() {
    use burn_neuro::kernels::spike_pack::{PackParams, PackPass, spike_pack_shader};
    for pass in [PackPass::Pack, PackPass::Unpack] {
        for dtype in [DType::F32, DType::F16] {
            let module = validate(&spike_pack_shader(pass, dtype), &format!("{pass:?} {dtype:?}"));
            let (members, span) = struct_layout(&module, "PackParams");
            macro_rules! offsets {
                ($($field:ident),*) => { vec![$((stringify!($field).to_string(), std::mem::offset_of!(PackParams, $field) as u32)),*] };
            }
            assert_eq!(members, offsets!(rows, columns, words_per_row, column_blocks));
            assert_eq!(span as usize, std::mem::size_of::<PackParams>());
        }
    }
}

/// Which files a LIF kernel is rendered from: the neuron model picks the body
/// (lif_forward/lif_backward.wgsl or alpha_forward/alpha_backward.wgsl), the saved state the
/// snippet that stores or reads it (lif_saved_none.wgsl, lif_saved_full.wgsl,
/// lif_saved_compact.wgsl at binding 5 in the forward and 3 in the backward).
#[test]
fn lif_kernels_are_rendered_from_the_right_files() {
    // A line only that file has, checked to be in it.
    let files = [
        ("lif_forward", include_str!("../../shaders/lif_forward.wgsl"), "let v = quantize(integrate(beta, theta, mem, drive, reset));"),
        ("lif_backward", include_str!("../../shaders/lif_backward.wgsl"), "fn previous_spike_of("),
        ("alpha_forward", include_str!("../../shaders/lif_alpha_forward.wgsl"), "let exc_base = alpha * exc + x;"),
        ("alpha_backward", include_str!("../../shaders/lif_alpha_backward.wgsl"), "let tau_grads = alpha_tau_grad(alpha, beta);"),
        ("lif_saved_none", include_str!("../../shaders/lif_saved_none.wgsl"), "pending: ptr<function, vec3<f32>>) {}"),
        ("lif_saved_full", include_str!("../../shaders/lif_saved_full.wgsl"), "@group(0) @binding(3) var<storage, read_write> forward: array<Elem>;"),
    ];
    for (name, text, marker) in &files {
        assert!(text.contains(marker), "{name} holds its marker");
    }
    let compact_marker = "var<storage, read_write> saved: array<u32>;";
    assert!(include_str!("../../shaders/lif_saved_compact.wgsl").contains(compact_marker));
    let has = |source: &str, name: &str| source.contains(files.iter().find(|(n, _, _)| *n == name).expect("listed").2);
    for model in NeuronKind::ALL {
        for saved_state in [SavedState::Full, SavedState::Compact] {
            let spec = LifSpec { saved_state, ..LifSpec::snntorch_default() };
            let forward = lif_shader(LifPass::Forward, &spec, DType::F32, model);
            let backward = lif_shader(LifPass::Backward { coeff_grads: true }, &spec, DType::F32, model);
            let what = format!("{model:?} {saved_state:?}");
            assert_eq!(has(&forward, "alpha_forward"), (model == NeuronKind::Alpha), "{what}");
            assert_eq!(has(&forward, "lif_forward"), !(model == NeuronKind::Alpha), "{what}");
            assert_eq!(has(&backward, "alpha_backward"), (model == NeuronKind::Alpha), "{what}");
            assert_eq!(has(&backward, "lif_backward"), !(model == NeuronKind::Alpha), "{what}");
            let compact = saved_state == SavedState::Compact;
            assert_eq!(forward.contains(&format!("@binding(5) {compact_marker}")), compact, "{what}");
            assert_eq!(has(&forward, "lif_saved_none"), !compact, "{what}");
            assert_eq!(backward.contains(&format!("@binding(3) {compact_marker}")), compact, "{what}");
            assert_eq!(has(&backward, "lif_saved_full"), !compact, "{what}");
        }
    }
}

/// Every kernel carries the bit-pattern NaN tests of shaders/nonfinite.wgsl in its preamble (the
/// non-finite policy relies on them where WGSL's comparisons and clamp may drop a NaN), and the
/// kernels that clamp or test values use them rather than a float comparison with NaN.
#[test]
fn every_kernel_carries_the_non_finite_helpers() {
    let helpers = include_str!("../../shaders/nonfinite.wgsl");
    assert!(helpers.contains("fn clamp_keep_nan(") && helpers.contains("fn is_nan_f32("));
    for variant in kernels_tests::every_kernel_variant() {
        assert!(variant.source.contains(helpers), "{}: the preamble lacks shaders/nonfinite.wgsl", variant.name);
        assert!(!variant.source.contains("value != value"), "{}: a NaN test by comparison", variant.name);
    }
    let beta_clamp = "clamp_keep_nan(coefficient(BETA_ROW, c), 0.0, 1.0)";
    assert!(include_str!("../../shaders/lif_forward.wgsl").contains(beta_clamp));
    assert!(include_str!("../../shaders/lif_alpha_forward.wgsl").contains(beta_clamp));
}
