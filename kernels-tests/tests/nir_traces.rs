//! NIR fixtures with saved traces (`data/nir/*.npz`, written by `data/nir/make_fixtures.py`):
//! each imported graph reproduces the spikes (exactly), membranes and currents (within 1e-5)
//! that its exporting library computed — nir's own files against NIR's equations, snnTorch's
//! and Norse's files against those libraries' runs — on the CPU path and on wgpu.

use std::collections::BTreeMap;
use std::path::PathBuf;

use burn::tensor::{DType, Device};
use burn_neuro::data::npy::{Array, read_array_npz};
use burn_neuro::nir::{Discretisation, ImportOptions, import, read};
use kernels_tests::{assert_close, cpu, gpu, tensor, values};

fn fixture(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/nir").join(name)
}

/// `(fixture, discretisation)`: every NIR file with the expected traces its script saved
/// beside it (`data/nir/make_fixtures.py`): the exporting library's own run for snnTorch's and
/// Norse's files, NIR's equations under forward Euler (checked there against snnTorch) for
/// the files written with `nir` alone.
const TRACED: [(&str, Discretisation); 10] = [
    ("lif", Discretisation::ForwardEuler),
    ("cubalif", Discretisation::ForwardEuler),
    ("mlp", Discretisation::ForwardEuler),
    ("rlif", Discretisation::ForwardEuler),
    ("snntorch_mlp", Discretisation::ForwardEuler),
    ("snntorch_synaptic", Discretisation::ForwardEuler),
    ("snntorch_rleaky", Discretisation::ForwardEuler),
    ("snntorch_conv", Discretisation::ForwardEuler),
    ("norse_lifbox", Discretisation::Norse),
    ("norse_lif", Discretisation::Norse),
];

fn fixtures_match_their_exporters_on(device: &Device) {
    for (name, discretisation) in TRACED {
        let arrays: BTreeMap<String, Array> = read_array_npz(&fixture(&format!("{name}.npz"))).expect("expected traces").into_iter().collect();
        let dt = f64::from(arrays["dt"].values[0]);
        let graph = read(&fixture(&format!("{name}.nir"))).unwrap_or_else(|e| panic!("{name}: {e}"));
        let model = import(&graph, &ImportOptions { dt, discretisation }, device).unwrap_or_else(|e| panic!("{name}: {e}"));
        let input = &arrays["input"];
        let [steps, batch] = [input.shape[0], input.shape[1]];
        let width = input.values.len() / (steps * batch);
        let run =
            model.forward_traced(tensor(input.values.clone(), [steps, batch, width], DType::F32, device)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut checked = 0;
        for (key, expected) in &arrays {
            let Some((node, plane)) = key.rsplit_once('.') else { continue };
            let trace = run.neurons.get(node).unwrap_or_else(|| panic!("{name}: no neuron node {node:?} in {:?}", run.neurons.keys()));
            let what = format!("{name}: {key}");
            match plane {
                "spikes" => assert_eq!(values(trace.spikes.clone().expect("spikes")), expected.values, "{what}"),
                "membrane" => assert_close(&values(trace.membrane.clone()), &expected.values, 1e-5, 1e-5, &what),
                "synaptic" => assert_close(&values(trace.synaptic.clone().expect("a current")), &expected.values, 1e-5, 1e-5, &what),
                other => panic!("{what}: unexpected plane {other}"),
            }
            checked += 1;
        }
        assert!(checked >= 2, "{name}: traces compared");
        let output = run.outputs.values().next().expect("an output");
        assert_close(&values(output.clone()), &arrays["output"].values, 1e-5, 1e-5, &format!("{name}: output"));
    }
}

#[test]
fn fixtures_match_their_exporters_on_the_cpu_path() {
    fixtures_match_their_exporters_on(&cpu());
}

#[test]
fn fixtures_match_their_exporters_on_the_gpu() {
    fixtures_match_their_exporters_on(&gpu());
}

/// Norse 1.1 writes no `w_in` for its `LIFCell`, so NIR's equation (current steps of
/// `w_in·dt/τ_syn`) is not what Norse ran: only the Norse discretisation reproduces it.
#[test]
fn norse_current_needs_its_own_discretisation() {
    let device = cpu();
    let arrays: BTreeMap<String, Array> = read_array_npz(&fixture("norse_lif.npz")).expect("expected traces").into_iter().collect();
    let graph = read(&fixture("norse_lif.nir")).expect("norse_lif.nir");
    let options = ImportOptions { dt: f64::from(arrays["dt"].values[0]), discretisation: Discretisation::ForwardEuler };
    let model = import(&graph, &options, &device).expect("imports");
    let input = &arrays["input"];
    let run =
        model.forward_traced(tensor(input.values.clone(), [input.shape[0], input.shape[1], input.shape[2]], DType::F32, &device)).expect("runs");
    let membrane = values(run.neurons["1"].membrane.clone());
    let worst = membrane.iter().zip(&arrays["1.membrane"].values).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst > 0.1, "NIR's reading of the file differs from Norse's run (max |Δv| = {worst})");
}
