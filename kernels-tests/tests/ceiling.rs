//! The benchmark's ceiling probes compute what their references say (`ceiling_copy`,
//! `ceiling_fma`). Their grids come from the same folding helper as every other kernel, which
//! the LIF and propagation tests drive past 65,535 workgroups; a copy that large would exceed
//! the 128 MiB binding limit of many adapters.

use burn::backend::Dispatch;
use burn::tensor::{DType, Tensor};
use burn_neuro::backend::CeilingOps;
use burn_neuro::reference::ceiling::fma_reference;
use kernels_tests::{assert_close, gpu, tensor, values};

#[test]
fn copy_probe_copies() {
    let device = gpu();
    for len in [4, 1000, 4 * (256 * 1000 + 3)] {
        let data: Vec<f32> = (0..len).map(|i| (i % 977) as f32 - 3.5).collect();
        let source = tensor(data.clone(), [len], DType::F32, &device);
        let copy = values(Tensor::<1>::from_dispatch(Dispatch::ceiling_copy(source.into_dispatch())));
        assert!(copy == data, "copy of {len} elements differs");
    }
}

#[test]
fn fma_probe_matches_its_reference() {
    let device = gpu();
    let like = tensor(vec![0.0; 4], [4], DType::F32, &device);
    for invocations in [1, 300] {
        let got = values(Tensor::<1>::from_dispatch(Dispatch::ceiling_fma(like.clone().into_dispatch(), invocations)));
        let expected: Vec<f32> = (0..invocations as u32).map(fma_reference).collect();
        // A device may or may not fuse; 512 dependent steps stay within a few ulps.
        assert_close(&got, &expected, 1e-4, 1e-4, "fma probe");
    }
}
