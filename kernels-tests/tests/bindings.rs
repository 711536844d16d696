//! Every WGSL variant the launchers render declares exactly the bindings its launcher's list
//! (`lif_bindings` and the like) gives, without a GPU: group 0, numbered 0..n in list order,
//! the same names, `var<storage, read_write>`, the same types. The runtime binds a launch's
//! `i`-th buffer to `@binding(i)`, so a gap or a reordering would feed a kernel the wrong buffer.

use burn::tensor::DType;
use burn_neuro::kernels::ceiling::{CeilingProbe, ceiling_bindings, ceiling_shader};
use burn_neuro::kernels::crossbar::{CrossbarPass, crossbar_bindings, crossbar_shader};
use burn_neuro::kernels::lif::{LifPass, lif_bindings, lif_shader};
use burn_neuro::kernels::spike_pack::{PackPass, spike_pack_bindings, spike_pack_shader};
use burn_neuro::kernels::spike_propagate::{PropagatePass, spike_propagate_bindings, spike_propagate_shader};
use burn_neuro::kernels::spikegen::{rate_bindings, rate_shader};
use burn_neuro::kernels::{Binding, BindingElement, wgsl_elem};
use burn_neuro::neuron::{LifSpec, NeuronKind, SavedState};
use kernels_tests::crossbar_variants;
use naga::{AddressSpace, ArraySize, Handle, Module, ScalarKind, StorageAccess, Type, TypeInner};

/// A naga type spelled as WGSL, aliases resolved (`Elem` comes out as f32 or f16).
fn wgsl_of(module: &Module, ty: Handle<Type>) -> String {
    let scalar = |s: naga::Scalar| match (s.kind, s.width) {
        (ScalarKind::Float, 4) => "f32".to_string(),
        (ScalarKind::Float, 2) => "f16".to_string(),
        (ScalarKind::Uint, 4) => "u32".to_string(),
        (ScalarKind::Sint, 4) => "i32".to_string(),
        _ => format!("{s:?}"),
    };
    let ty = &module.types[ty];
    match &ty.inner {
        TypeInner::Scalar(s) => scalar(*s),
        TypeInner::Vector { size, scalar: s } => format!("vec{}<{}>", *size as u8, scalar(*s)),
        TypeInner::Atomic(s) => format!("atomic<{}>", scalar(*s)),
        TypeInner::Array { base, size: ArraySize::Dynamic, .. } => format!("array<{}>", wgsl_of(module, *base)),
        TypeInner::Array { base, size: ArraySize::Constant(n), .. } => format!("array<{}, {n}>", wgsl_of(module, *base)),
        TypeInner::Struct { .. } => format!("struct {}", ty.name.as_deref().unwrap_or("<unnamed>")),
        other => format!("{other:?}"),
    }
}

/// The WGSL type a declared binding must have, `Elem` spelled as the variant's storage dtype.
fn expected_type(element: BindingElement, dtype: Option<DType>, what: &str) -> String {
    match element {
        BindingElement::Elem => {
            let dtype = dtype.unwrap_or_else(|| panic!("{what}: an `Elem` binding in a kernel without a storage dtype"));
            format!("array<{}>", wgsl_elem(dtype).0)
        }
        BindingElement::F32 => "array<f32>".into(),
        BindingElement::U32 => "array<u32>".into(),
        BindingElement::Vec4F32 => "array<vec4<f32>>".into(),
        BindingElement::AtomicU32(len) => format!("array<atomic<u32>, {len}>"),
        BindingElement::AtomicU32s => "array<atomic<u32>>".into(),
        BindingElement::Params(name) => format!("struct {name}"),
    }
}

/// Checks the resource bindings of `source` (rendered for storage dtype `dtype`) against
/// `declared`, naming `what` (the kernel variant) and the binding in every failure.
fn check(source: &str, dtype: Option<DType>, declared: &[Binding], what: &str) {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{what}: WGSL parse error:\n{}\n--- source ---\n{source}", e.emit_to_string(source)));
    let mut found: Vec<_> = module.global_variables.iter().filter_map(|(_, var)| var.binding.map(|at| (at, var))).collect();
    found.sort_by_key(|(at, _)| (at.group, at.binding));
    let name_of = |var: &naga::GlobalVariable| var.name.clone().unwrap_or_default();

    for (at, var) in &found {
        assert_eq!(at.group, 0, "{what}: binding `{}` is in group {}; every kernel binds group 0 only", name_of(var), at.group);
    }
    let numbers: Vec<u32> = found.iter().map(|(at, _)| at.binding).collect();
    let expected_numbers: Vec<u32> = (0..found.len() as u32).collect();
    assert_eq!(numbers, expected_numbers, "{what}: bindings must be numbered 0..n without gaps or repeats");
    let wgsl_names: Vec<String> = found.iter().map(|(_, var)| name_of(var)).collect();
    let declared_names: Vec<&str> = declared.iter().map(|b| b.name).collect();
    assert_eq!(found.len(), declared.len(), "{what}: the WGSL binds {wgsl_names:?}, the launcher's list declares {declared_names:?}");

    for (index, ((_, var), binding)) in found.iter().zip(declared).enumerate() {
        let at = format!("{what}, binding {index} (declared as `{}`)", binding.wgsl_declaration(index));
        assert_eq!(name_of(var), binding.name, "{at}: name (left: the WGSL, right: the list)");
        assert_eq!(var.space, AddressSpace::Storage { access: StorageAccess::LOAD | StorageAccess::STORE }, "{at}: not var<storage, read_write>");
        assert_eq!(wgsl_of(&module, var.ty), expected_type(binding.element, dtype, &at), "{at}: type (left: the WGSL, right: the list)");
    }
}

#[test]
fn lif_kernels_declare_their_bindings_in_every_variant() {
    let mut count = 0;
    for dtype in [DType::F32, DType::F16] {
        for spec in LifSpec::all_variants() {
            for saved_state in [SavedState::Full, SavedState::Compact] {
                let spec = LifSpec { saved_state, ..spec };
                for pass in [LifPass::Forward, LifPass::Backward { coeff_grads: true }, LifPass::Backward { coeff_grads: false }] {
                    let declared = lif_bindings(pass, &spec);
                    for kind in NeuronKind::ALL {
                        let what = format!("lif {pass:?} {dtype:?} {spec:?} {kind:?}");
                        check(&lif_shader(pass, &spec, dtype, kind), Some(dtype), &declared, &what);
                        count += 1;
                    }
                }
            }
        }
    }
    // As many as naga_validation.rs validates.
    assert_eq!(count, 2880);
}

#[test]
fn lif_lists_differ_only_where_the_saved_state_does() {
    let full = LifSpec { saved_state: SavedState::Full, ..LifSpec::snntorch_default() };
    let compact = LifSpec { saved_state: SavedState::Compact, ..full };
    let backward = LifPass::Backward { coeff_grads: true };
    assert_eq!(lif_bindings(LifPass::Forward, &full).len(), 5);
    assert_eq!(lif_bindings(LifPass::Forward, &compact)[5], Binding::new("saved", BindingElement::U32));
    assert_eq!(lif_bindings(backward, &full)[3], Binding::new("forward", BindingElement::Elem));
    assert_eq!(lif_bindings(backward, &compact)[3], Binding::new("saved", BindingElement::U32));
}

#[test]
fn crossbar_kernels_declare_their_bindings_in_every_variant() {
    let variants = crossbar_variants();
    assert_eq!(variants.len(), 432);
    let mut count = 0;
    for variant in &variants {
        // The program and drift kernels are launched with f32 storage only.
        for pass in [CrossbarPass::Program, CrossbarPass::Drift] {
            check(&crossbar_shader(pass, variant, DType::F32), Some(DType::F32), &crossbar_bindings(pass), &format!("crossbar {pass:?} {variant:?}"));
            count += 1;
        }
        for dtype in [DType::F32, DType::F16] {
            // shaders/crossbar_read_quantize.wgsl, crossbar_read_finish.wgsl, crossbar_read_retry.wgsl and
            // crossbar_read_combine.wgsl, each with crossbar_read_common.wgsl.
            for pass in CrossbarPass::READ {
                let what = format!("crossbar {pass:?} {dtype:?} {variant:?}");
                check(&crossbar_shader(pass, variant, dtype), Some(dtype), &crossbar_bindings(pass), &what);
                count += 1;
            }
        }
    }
    assert_eq!(count, 4320);
}

#[test]
fn spike_kernels_declare_their_bindings() {
    for dtype in [DType::F32, DType::F16] {
        for pass in [PropagatePass::Compact, PropagatePass::Accumulate] {
            check(&spike_propagate_shader(pass, dtype), Some(dtype), &spike_propagate_bindings(pass), &format!("spike_propagate {pass:?} {dtype:?}"));
        }
        for pass in [PackPass::Pack, PackPass::Unpack] {
            check(&spike_pack_shader(pass, dtype), Some(dtype), &spike_pack_bindings(pass), &format!("spike_pack {pass:?} {dtype:?}"));
        }
        check(&rate_shader(dtype), Some(dtype), &rate_bindings(), &format!("spikegen rate {dtype:?}"));
    }
}

#[test]
fn mif_kernels_declare_their_bindings() {
    use burn_neuro::kernels::mif::{mif_backward_bindings, mif_forward_bindings, mif_shader};
    check(&mif_shader(false), None, &mif_forward_bindings(), "mif forward");
    check(&mif_shader(true), None, &mif_backward_bindings(), "mif backward");
}

#[test]
fn reservoir_node_kernels_declare_their_bindings() {
    use burn_neuro::kernels::reservoir_node::{reservoir_node_backward_bindings, reservoir_node_forward_bindings, reservoir_node_shader};
    for dtype in [DType::F32, DType::F16] {
        check(&reservoir_node_shader(false, dtype), Some(dtype), &reservoir_node_forward_bindings(), &format!("reservoir_node forward {dtype:?}"));
        check(&reservoir_node_shader(true, dtype), Some(dtype), &reservoir_node_backward_bindings(), &format!("reservoir_node backward {dtype:?}"));
    }
}

#[test]
fn wox_node_kernel_declares_its_bindings() {
    use burn_neuro::kernels::wox_node::{wox_node_bindings, wox_node_shader};
    check(&wox_node_shader(), None, &wox_node_bindings(), "wox_node");
}

#[test]
fn esn_layer_kernel_declares_its_bindings() {
    use burn_neuro::kernels::esn_layer::{esn_layer_bindings, esn_layer_shader};
    check(&esn_layer_shader(), None, &esn_layer_bindings(), "esn_layer");
}

#[test]
fn pulsed_update_declares_its_bindings() {
    use burn_neuro::kernels::pulsed_update::{pulsed_update_bindings, pulsed_update_shader};
    check(&pulsed_update_shader(), None, &pulsed_update_bindings(), "pulsed_update");
}

#[test]
fn ceiling_probes_declare_their_bindings() {
    for probe in [CeilingProbe::Copy, CeilingProbe::Fma] {
        // The probes are rendered without a storage dtype.
        check(&ceiling_shader(probe), None, &ceiling_bindings(probe), &format!("ceiling {probe:?}"));
    }
}

/// Guards the guard: a list that disagrees with the WGSL in any one way is rejected.
#[test]
fn a_list_that_disagrees_with_the_wgsl_is_rejected() {
    use BindingElement::{Elem, F32, U32};
    let spec = LifSpec { saved_state: SavedState::Compact, ..LifSpec::snntorch_default() };
    let source = lif_shader(LifPass::Forward, &spec, DType::F16, NeuronKind::Leaky);
    let good = lif_bindings(LifPass::Forward, &spec);
    check(&source, Some(DType::F16), &good, "the real list");

    let mut wrong_name = good.clone();
    wrong_name[1].name = "initial_state";
    let mut wrong_type = good.clone();
    wrong_type[5].element = F32;
    let mut elem_for_f32 = good.clone();
    elem_for_f32[2].element = Elem;
    let mut swapped = good.clone();
    swapped.swap(0, 1);
    let missing = good[..5].to_vec();
    let mut extra = good.clone();
    extra.push(Binding::new("more", U32));
    for (how, list) in
        [("name", wrong_name), ("type", wrong_type), ("f16 Elem", elem_for_f32), ("order", swapped), ("missing", missing), ("extra", extra)]
    {
        let rejected = std::panic::catch_unwind(|| check(&source, Some(DType::F16), &list, how)).is_err();
        assert!(rejected, "a list with a wrong {how} passed");
    }

    // A gap in the WGSL's numbering is rejected too.
    let gapped = source.replace("@binding(5) var<storage, read_write> saved", "@binding(6) var<storage, read_write> saved");
    assert_ne!(gapped, source);
    assert!(std::panic::catch_unwind(|| check(&gapped, Some(DType::F16), &good, "gap")).is_err(), "a gap passed");
}
