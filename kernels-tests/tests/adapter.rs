//! CI must have a wgpu adapter: without one every GPU test would be meaningless, so this fails
//! instead of skipping.

use burn_neuro::adapters::list_adapters;
use burn_neuro::device::{ComputePath, compute_path};

#[test]
fn an_adapter_exists_and_compiles_wgsl() {
    let adapters = list_adapters();
    assert!(!adapters.is_empty(), "no wgpu adapter: install a Vulkan driver (Debian: mesa-vulkan-drivers for lavapipe)");
    for adapter in &adapters {
        assert!(!adapter.name.is_empty());
        assert!(adapter.max_workgroups_per_dimension >= 65_535, "{adapter:?}");
    }
    let device = kernels_tests::gpu();
    match compute_path(&device).expect("our kernels can run on the default device") {
        ComputePath::Wgsl(name) => assert_eq!(name, "wgpu<wgsl>"),
        other => panic!("the default device should be a wgpu device, not {other:?}"),
    }
}
