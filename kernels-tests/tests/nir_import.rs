//! NIR import: graphs become models that compute what the exporting side computed.
//!
//! - Our layers → `export_chain` → file → `read` → `import` give the layers' own spikes and
//!   membranes (the round trip), on the CPU path and on the wgpu device.
//! - A recurrent LIF (nested graph `lif ⇄ w_rec`) equals our `RLeaky` on the same weights.
//! - Graphs the importer cannot run (shapes that do not fit, a cycle without a neuron, a time
//!   constant below dt, no Input) are refused by hand-made files with errors naming the node.

use std::collections::BTreeMap;
use std::path::PathBuf;

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{DType, Device, Tensor};
use burn_neuro::ResetMode;
use burn_neuro::nir::{
    Discretisation, ExportLayer, ExportOptions, ImportOptions, NirGraph, NirNode, NodeKind, Value, export_chain, import, read, write,
};
use burn_neuro::snn::{LeakyConfig, RLeakyConfig, SynapticConfig};
use kernels_tests::{assert_close, cpu, gpu, tensor, uniform, values};

fn fixture(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/nir").join(name)
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("burn-neuro-nir-import-{}-{name}", std::process::id()))
}

fn linear(inputs: usize, outputs: usize, seed: u64, device: &Device) -> Linear {
    let mut layer = LinearConfig::new(inputs, outputs).init(device);
    layer.weight = Param::from_tensor(tensor(uniform(inputs * outputs, seed, -1.0, 1.5), [inputs, outputs], DType::F32, device));
    layer.bias = Some(Param::from_tensor(tensor(uniform(outputs, seed + 1, -0.2, 0.4), [outputs], DType::F32, device)));
    layer
}

fn spike_rate(spikes: &[f32]) -> f32 {
    spikes.iter().sum::<f32>() / spikes.len() as f32
}

/// Linear → Leaky (per-neuron β) → Linear → Synaptic, exported, written, read, imported.
fn round_trip_on(device: &Device) {
    let (steps, batch) = (30, 3);
    let fc1 = linear(5, 4, 11, device);
    let lif = LeakyConfig::new(0.0)
        .with_beta_per_neuron(Some(vec![0.5, 0.8, 0.9, 0.95]))
        .with_threshold(0.75)
        .with_reset(ResetMode::Zero)
        .with_reset_delay(false)
        .init(device)
        .expect("valid Leaky");
    let fc2 = linear(4, 3, 21, device);
    let syn =
        SynapticConfig::new(0.6, 0.85).with_threshold(0.9).with_reset(ResetMode::Zero).with_reset_delay(false).init(device).expect("valid Synaptic");
    let layers = [ExportLayer::Linear(&fc1), ExportLayer::Leaky(&lif), ExportLayer::Linear(&fc2), ExportLayer::Synaptic(&syn)];
    let graph = export_chain(&layers, &[5], &ExportOptions::default()).expect("exports");
    let file = scratch("round-trip.nir");
    write(&file, &graph).expect("written");
    let model = import(&read(&file).expect("read back"), &ImportOptions::default(), device).expect("imports");
    let _ = std::fs::remove_file(file);

    let input = tensor(uniform(steps * batch * 5, 3, 0.0, 1.0), [steps, batch, 5], DType::F32, device);
    // Our layers directly.
    let h1 = lif.forward(fc1.forward(input.clone()), None);
    let h2 = syn.forward(fc2.forward(h1.spikes.clone()), None);
    // The imported graph.
    let run = model.forward_traced(input).expect("runs");
    let (l1, l2) = (&run.neurons["1"], &run.neurons["3"]);
    let expected_spikes = values(h1.spikes.clone());
    let rate = spike_rate(&expected_spikes);
    assert!((0.05..0.7).contains(&rate), "the test drives the first layer to spike sometimes ({rate})");
    assert_eq!(values(l1.spikes.clone().expect("LIF spikes")), expected_spikes, "LIF spikes");
    assert_close(&values(l1.membrane.clone()), &values(h1.membrane), 1e-5, 1e-5, "LIF membrane");
    let expected_spikes = values(h2.spikes.clone());
    assert!(spike_rate(&expected_spikes) > 0.02, "the second layer spikes");
    assert_eq!(values(l2.spikes.clone().expect("CubaLIF spikes")), expected_spikes, "CubaLIF spikes");
    assert_close(&values(l2.membrane.clone()), &values(h2.membrane), 1e-5, 1e-5, "CubaLIF membrane");
    assert_close(&values(l2.synaptic.clone().expect("a current")), &values(h2.synaptic.expect("a current")), 1e-5, 1e-5, "CubaLIF current");
    assert_eq!(values(run.outputs["output"].clone()), expected_spikes, "the Output node carries the last spikes");
}

#[test]
fn our_layers_round_trip_through_a_file_on_the_cpu_path() {
    round_trip_on(&cpu());
}

#[test]
fn our_layers_round_trip_through_a_file_on_the_gpu() {
    round_trip_on(&gpu());
}

fn f32s(values: Vec<f32>) -> Value {
    Value::f32(vec![values.len()], values)
}

fn lif_node(n: usize, tau: f32, threshold: f32) -> NirNode {
    NirNode::new(
        NodeKind::Lif,
        [
            ("tau", f32s(vec![tau; n])),
            ("r", f32s(vec![tau / 1e-4; n])),
            ("v_leak", f32s(vec![0.0; n])),
            ("v_threshold", f32s(vec![threshold; n])),
            ("v_reset", f32s(vec![0.0; n])),
        ],
    )
}

fn affine(weight: &Linear) -> NirNode {
    let [inputs, outputs] = weight.weight.dims();
    let w: Vec<f32> = values(weight.weight.val().transpose());
    let b = values(weight.bias.as_ref().expect("a bias").val());
    NirNode::new(NodeKind::Affine, [("weight", Value::f32(vec![outputs, inputs], w)), ("bias", f32s(b))])
}

fn shape(dims: &[i64]) -> Value {
    Value::i64(vec![dims.len()], dims.to_vec())
}

fn graph(nodes: Vec<(&str, NirNode)>, edges: &[(&str, &str)]) -> NirGraph {
    NirGraph {
        nodes: nodes.into_iter().map(|(name, node)| (name.to_string(), node)).collect(),
        edges: edges.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        metadata: Default::default(),
    }
}

/// `input → fc → rnn{input → lif ⇄ w_rec → output} → output` against `Linear` + `RLeaky`.
#[test]
fn a_nested_recurrent_lif_equals_rleaky() {
    let device = gpu();
    let (steps, batch, n) = (25, 2, 6);
    let fc = linear(4, n, 31, &device);
    let mut rleaky =
        RLeakyConfig::new(0.9, n).with_threshold(1.0).with_reset(ResetMode::Zero).with_reset_delay(false).init(&device).expect("valid RLeaky");
    let w_rec = linear(n, n, 41, &device);
    rleaky.all_to_all = Some(w_rec.clone());
    let tau = (1e-4 / (1.0 - 0.9f64)) as f32;
    let sub = graph(
        vec![
            ("input", NirNode::new(NodeKind::Input, [("shape", shape(&[n as i64]))])),
            ("lif", lif_node(n, tau, 1.0)),
            ("w_rec", affine(&w_rec)),
            ("output", NirNode::new(NodeKind::Output, [("shape", shape(&[n as i64]))])),
        ],
        &[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")],
    );
    let top = graph(
        vec![
            ("input", NirNode::new(NodeKind::Input, [("shape", shape(&[4]))])),
            ("fc", affine(&fc)),
            ("rnn", NirNode::subgraph(sub)),
            ("output", NirNode::new(NodeKind::Output, [("shape", shape(&[n as i64]))])),
        ],
        &[("input", "fc"), ("fc", "rnn"), ("rnn", "output")],
    );
    let file = scratch("rlif.nir");
    write(&file, &top).expect("written");
    let model = import(&read(&file).expect("read back"), &ImportOptions::default(), &device).expect("imports");
    let _ = std::fs::remove_file(file);

    let input = tensor(uniform(steps * batch * 4, 7, 0.0, 1.0), [steps, batch, 4], DType::F32, &device);
    let expected = rleaky.forward(fc.forward(input.clone()), None);
    let run = model.forward_traced(input).expect("runs");
    let trace = &run.neurons["rnn.lif"];
    let spikes = values(expected.spikes);
    let rate = spike_rate(&spikes);
    assert!((0.05..0.8).contains(&rate), "the recurrent layer spikes sometimes ({rate})");
    assert_eq!(values(trace.spikes.clone().expect("spikes")), spikes, "spikes");
    assert_close(&values(trace.membrane.clone()), &values(expected.membrane), 1e-5, 1e-5, "membrane");
    assert_eq!(values(run.outputs["output"].clone()), spikes);
}

/// Writes `graph` (schema-valid, so our writer takes it) and imports the file.
fn import_file(name: &str, graph: &NirGraph, options: &ImportOptions) -> String {
    let file = scratch(name);
    write(&file, graph).expect("a schema-valid graph is written");
    let read_back = read(&file).expect("read back");
    let _ = std::fs::remove_file(file);
    match import(&read_back, options, &cpu()) {
        Ok(_) => panic!("{name}: imported, expected a refusal"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn graphs_that_cannot_run_are_refused_naming_the_node() {
    let device = cpu();
    let input = |n: i64| NirNode::new(NodeKind::Input, [("shape", shape(&[n]))]);
    let output = |n: i64| NirNode::new(NodeKind::Output, [("shape", shape(&[n]))]);
    let fc = affine(&linear(5, 3, 1, &device));
    let square = affine(&linear(3, 3, 2, &device));
    let cases: Vec<(&str, NirGraph, ImportOptions, &[&str])> = vec![
        (
            "shapes.nir",
            graph(vec![("input", input(4)), ("fc", fc.clone()), ("output", output(3))], &[("input", "fc"), ("fc", "output")]),
            ImportOptions::default(),
            &["node fc", "5 values per example", "[4]"],
        ),
        (
            "cycle.nir",
            graph(
                vec![("input", input(3)), ("a", square.clone()), ("b", square.clone()), ("output", output(3))],
                &[("input", "a"), ("a", "b"), ("b", "a"), ("b", "output")],
            ),
            ImportOptions::default(),
            &["a, b", "cycle", "neuron"],
        ),
        (
            "dt.nir",
            graph(vec![("input", input(3)), ("lif", lif_node(3, 1e-4, 1.0)), ("output", output(3))], &[("input", "lif"), ("lif", "output")]),
            ImportOptions { dt: 1e-3, ..ImportOptions::default() },
            &["node lif", "`tau`", "at least dt"],
        ),
        (
            "empty.nir",
            graph(vec![("input", input(0)), ("output", output(0))], &[("input", "output")]),
            ImportOptions::default(),
            &["node input", "non-empty shapes"],
        ),
        (
            "no-input.nir",
            graph(vec![("a", square.clone()), ("output", output(3))], &[("a", "output")]),
            ImportOptions::default(),
            &["one Input node", "found 0"],
        ),
        (
            "reset-above-threshold.nir",
            graph(
                vec![
                    ("input", input(2)),
                    (
                        "lif",
                        NirNode::new(
                            NodeKind::Lif,
                            [
                                ("tau", f32s(vec![0.01; 2])),
                                ("r", f32s(vec![1.0; 2])),
                                ("v_leak", f32s(vec![0.0; 2])),
                                ("v_threshold", f32s(vec![1.0; 2])),
                                ("v_reset", f32s(vec![0.0, 2.0])),
                            ],
                        ),
                    ),
                    ("output", output(2)),
                ],
                &[("input", "lif"), ("lif", "output")],
            ),
            ImportOptions::default(),
            &["node lif", "v_reset ≤ v_threshold", "neuron 1"],
        ),
    ];
    for (name, graph, options, needles) in cases {
        let message = import_file(name, &graph, &options);
        for needle in needles {
            assert!(message.contains(needle), "{name}: {message:?} should mention {needle:?}");
        }
    }
    let error = import(
        &graph(vec![("input", input(3)), ("output", output(3))], &[("input", "output")]),
        &ImportOptions { dt: 0.0, ..ImportOptions::default() },
        &device,
    )
    .expect_err("dt = 0");
    assert!(error.to_string().contains("dt"), "{error}");
    let wrong = import(&graph(vec![("input", input(3)), ("output", output(3))], &[("input", "output")]), &ImportOptions::default(), &device)
        .expect("a pass-through imports");
    let error = wrong.forward(Tensor::<3>::zeros([2, 1, 4], &device)).expect_err("4 features for an input of 3");
    assert!(error.to_string().contains("input") && error.to_string().contains("[T ≥ 1, batch ≥ 1, 3]"), "{error}");
}

/// Linear(5, 4) → RLeaky(4, all-to-all) → Linear(4, 3) → Leaky (per-neuron β), weights fixed.
fn recurrent_chain(device: &Device) -> (Linear, burn_neuro::snn::RLeaky, Linear, burn_neuro::snn::Leaky) {
    let fc1 = linear(5, 4, 51, device);
    let mut rleaky =
        RLeakyConfig::new(0.85, 4).with_threshold(0.8).with_reset(ResetMode::Zero).with_reset_delay(false).init(device).expect("valid RLeaky");
    rleaky.all_to_all = Some(linear(4, 4, 61, device));
    let fc2 = linear(4, 3, 71, device);
    let lif = LeakyConfig::new(0.0)
        .with_beta_per_neuron(Some(vec![0.7, 0.9, 0.95]))
        .with_reset(ResetMode::Zero)
        .with_reset_delay(false)
        .init(device)
        .expect("valid Leaky");
    (fc1, rleaky, fc2, lif)
}

/// Our export of a recurrent chain, read and written again by Python's `nir` 1.0.8
/// (`make_fixtures.py --rewrite ours_rleaky.nir ours_rleaky_rewritten.nir`), imports to the
/// chain's own numbers. `ours_rleaky.nir` is what our exporter writes today (set
/// `BURN_NEURO_WRITE_FIXTURES=1` to rewrite it after changing the exporter, then rerun the script).
#[test]
fn our_export_read_and_rewritten_by_python_nir_imports_to_the_same_numbers() {
    let device = gpu();
    let (fc1, rleaky, fc2, lif) = recurrent_chain(&device);
    let layers = [ExportLayer::Linear(&fc1), ExportLayer::RLeaky(&rleaky), ExportLayer::Linear(&fc2), ExportLayer::Leaky(&lif)];
    let graph = export_chain(&layers, &[5], &ExportOptions::default()).expect("exports");
    if std::env::var_os("BURN_NEURO_WRITE_FIXTURES").is_some() {
        write(&fixture("ours_rleaky.nir"), &graph).expect("fixture written");
    }
    assert_eq!(read(&fixture("ours_rleaky.nir")).expect("ours_rleaky.nir"), graph, "the committed file is our exporter's current output");
    let rewritten = read(&fixture("ours_rleaky_rewritten.nir")).expect("ours_rleaky_rewritten.nir");
    assert_eq!(rewritten.nodes["1"].graph.as_ref().map(|g| g.nodes.len()), Some(4), "the recurrent layer is a nested graph");
    let model = import(&rewritten, &ImportOptions::default(), &device).expect("imports");

    let (steps, batch) = (30, 2);
    let input = tensor(uniform(steps * batch * 5, 9, 0.0, 1.0), [steps, batch, 5], DType::F32, &device);
    let h1 = rleaky.forward(fc1.forward(input.clone()), None);
    let h2 = lif.forward(fc2.forward(h1.spikes.clone()), None);
    let run = model.forward_traced(input).expect("runs");
    for (path, expected, what) in [("1.lif", h1, "RLeaky"), ("3", h2, "Leaky")] {
        let spikes = values(expected.spikes);
        let rate = spike_rate(&spikes);
        assert!((0.03..0.8).contains(&rate), "{what} spikes sometimes ({rate})");
        assert_eq!(values(run.neurons[path].spikes.clone().expect("spikes")), spikes, "{what} spikes");
        assert_close(&values(run.neurons[path].membrane.clone()), &values(expected.membrane), 1e-5, 1e-5, &format!("{what} membrane"));
    }
}

/// The imported model is a Burn module: gradients reach its weights through the fused neurons'
/// surrogate, and Adam lowers a loss on the last layer's membrane.
#[test]
fn an_imported_model_trains() {
    use burn::module::Module;
    use burn::optim::{AdamConfig, GradientsParams};
    use burn_neuro::nir::import::NodeModule;

    let device = gpu();
    let graph = read(&fixture("snntorch_mlp.nir")).expect("snntorch_mlp.nir");
    let mut model = import(&graph, &ImportOptions::default(), &device).expect("imports").train();
    let mut optimizer = AdamConfig::new().init();
    let input =
        tensor(uniform(20 * 4 * 4, 5, 0.0, 1.0).into_iter().map(|v| if v < 0.5 { 1.0 } else { 0.0 }).collect(), [20, 4, 4], DType::F32, &device);
    let mut losses = Vec::new();
    for _ in 0..30 {
        let run = model.forward_traced(input.clone()).expect("runs");
        // Drive the last layer's membrane towards 0.8 (θ = 1): needs gradients through layer 1's spikes.
        let loss = (run.neurons["3"].membrane.clone() - 0.8).powf_scalar(2.0).mean();
        losses.push(values(loss.clone())[0]);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(2e-2, model, grads);
    }
    let (first, last) = (losses[0], losses[losses.len() - 1]);
    assert!(last < 0.5 * first, "training lowers the loss: {losses:?}");
    // The weights moved; the neuron constants (β, θ) are fixed.
    let NodeModule::Neuron(neuron) = &model.nodes[index_of(&model, "1")] else { panic!("node 1 is a neuron") };
    let beta = values(neuron.leaky.as_ref().expect("a LIF").beta.val());
    assert!(beta.iter().all(|b| (b - 0.9).abs() < 1e-5), "β stays {beta:?}");
    let NodeModule::Dense(fc) = &model.nodes[index_of(&model, "0")] else { panic!("node 0 is dense") };
    let NodeModule::Dense(before) = &import(&graph, &ImportOptions::default(), &device).expect("imports").nodes[index_of(&model, "0")] else {
        panic!("dense")
    };
    assert_ne!(values(fc.weight.val()), values(before.weight.val()), "the first layer's weights trained");
}

fn index_of(model: &burn_neuro::nir::NirModel, path: &str) -> usize {
    model.node_paths().iter().position(|p| p == path).unwrap_or_else(|| panic!("no node {path}"))
}

#[test]
fn exports_that_nir_cannot_hold_are_refused() {
    let device = cpu();
    // snnTorch's Synaptic zero reset delayed a step zeroes that step's input too.
    let delayed = SynapticConfig::new(0.5, 0.9).with_reset(ResetMode::Zero).init(&device).expect("valid");
    let error = export_chain(&[ExportLayer::Synaptic(&delayed)], &[3], &ExportOptions::default()).expect_err("refused");
    assert!(error.to_string().contains("reset_delay"), "{error}");
    let rleaky = RLeakyConfig::new(0.9, 4).init(&device).expect("valid");
    let error = export_chain(&[ExportLayer::RLeaky(&rleaky)], &[3], &ExportOptions::default()).expect_err("width");
    assert!(error.to_string().contains("4 features after shape [3]"), "{error}");
}

/// `others.nir` (nir 1.0.8): Linear → Scale → Delay → I → LI → IF → CubaLI → Threshold against
/// NIR's equations stepped here in f64. The IF integrates with β = 1 (a common importer slip
/// gives it β = 0), the Delay of 1 ms is one step at dt = 1 ms, and LI, I and CubaLI emit their
/// membranes.
#[test]
fn every_other_node_type_runs_as_nir_defines_it() {
    let device = gpu();
    let (steps, dt) = (60, 1e-3f64);
    let x: Vec<f64> = (0..steps * 2).map(|k| if k % 2 == 0 { 2500.0 } else { 20000.0 + (k as f64 * 37.0) % 900.0 }).collect();
    // The reference, per neuron.
    let mut expected: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for n in 0..2 {
        let (mut v_i, mut v_li, mut v_if, mut i_cu, mut v_cu) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for t in 0..steps {
            let delayed = if t == 0 { 0.0 } else { 2.0 * x[(t - 1) * 2 + n] };
            v_i += dt * delayed;
            v_li = (1.0 - dt / 0.01) * v_li + (dt / 0.01) * v_i;
            v_if += dt * v_li;
            let spike = if v_if > 1.0 { 1.0 } else { 0.0 };
            if spike > 0.0 {
                v_if = 0.0;
            }
            i_cu = (1.0 - dt / 0.005) * i_cu + (dt / 0.005) * spike;
            v_cu = (1.0 - dt / 0.02) * v_cu + (dt / 0.02) * i_cu;
            for (key, value) in
                [("i", v_i), ("li", v_li), ("if.membrane", v_if), ("if.spikes", spike), ("culi", v_cu), ("thr", if v_cu > 0.5 { 1.0 } else { 0.0 })]
            {
                let slot = expected.entry(key).or_insert_with(|| vec![0.0; steps * 2]);
                slot[t * 2 + n] = value;
            }
        }
    }
    let graph = read(&fixture("others.nir")).expect("others.nir");
    let model = import(&graph, &ImportOptions { dt, ..ImportOptions::default() }, &device).expect("imports");
    let input = tensor(x.iter().map(|v| *v as f32).collect(), [steps, 1, 2], DType::F32, &device);
    let run = model.forward_traced(input).expect("runs");
    let close = |got: Tensor<3>, key: &str| {
        let want: Vec<f32> = expected[key].iter().map(|v| *v as f32).collect();
        assert_close(&values(got), &want, 1e-4, 1e-4, key);
    };
    close(run.neurons["i"].membrane.clone(), "i");
    close(run.neurons["li"].membrane.clone(), "li");
    close(run.neurons["if"].membrane.clone(), "if.membrane");
    close(run.neurons["if"].spikes.clone().expect("IF spikes"), "if.spikes");
    close(run.neurons["culi"].membrane.clone(), "culi");
    close(run.outputs["output"].clone(), "thr");
    let fired: f64 = expected["if.spikes"].iter().sum();
    let crossed: f64 = expected["thr"].iter().sum();
    assert!(
        fired >= 4.0 && crossed >= 2.0 && crossed < (steps * 2) as f64,
        "the chain is exercised: {fired} IF spikes, {crossed} threshold crossings"
    );
}

/// The exponential rule integrates a LIF driven by a constant current exactly
/// (v(t) = R·I·(1 − e^{−t/τ}) below threshold), even with dt above τ, where forward Euler is
/// refused; with dt ≪ τ both rules agree.
#[test]
fn the_exponential_rule_is_exact_for_held_inputs() {
    let device = cpu();
    let lif = |tau: f32| {
        NirNode::new(
            NodeKind::Lif,
            [
                ("tau", f32s(vec![tau; 2])),
                ("r", f32s(vec![2.0; 2])),
                ("v_leak", f32s(vec![0.0; 2])),
                ("v_threshold", f32s(vec![100.0; 2])),
                ("v_reset", f32s(vec![0.0; 2])),
            ],
        )
    };
    let net = |tau: f32| {
        graph(
            vec![
                ("input", NirNode::new(NodeKind::Input, [("shape", shape(&[2]))])),
                ("lif", lif(tau)),
                ("output", NirNode::new(NodeKind::Output, [("shape", shape(&[2]))])),
            ],
            &[("input", "lif"), ("lif", "output")],
        )
    };
    let steps = 12;
    let current = [1.5f32, -0.5];
    let input = tensor((0..steps).flat_map(|_| current).collect(), [steps, 1, 2], DType::F32, &device);
    let membrane = |tau: f32, dt: f64, discretisation: Discretisation| {
        let model = import(&net(tau), &ImportOptions { dt, discretisation }, &device).expect("imports");
        values(model.forward_traced(input.clone()).expect("runs").neurons["lif"].membrane.clone())
    };
    for (tau, dt) in [(0.01f32, 0.004f64), (0.01, 0.03)] {
        let exact: Vec<f32> =
            (1..=steps).flat_map(|t| current.map(|i| (2.0 * f64::from(i) * (1.0 - (-(t as f64) * dt / f64::from(tau)).exp())) as f32)).collect();
        assert_close(&membrane(tau, dt, Discretisation::Exponential), &exact, 1e-5, 1e-5, &format!("exponential, dt/τ = {}", dt / f64::from(tau)));
    }
    let euler = membrane(0.01, 0.004, Discretisation::ForwardEuler);
    let exponential = membrane(0.01, 0.004, Discretisation::Exponential);
    assert!(euler.iter().zip(&exponential).any(|(a, b)| (a - b).abs() > 0.05), "at dt/τ = 0.4 the rules differ");
    assert!(import(&net(0.01), &ImportOptions { dt: 0.03, discretisation: Discretisation::ForwardEuler }, &device).is_err(), "Euler refuses τ < dt");
    let (fine_euler, fine_exp) = (membrane(0.01, 1e-5, Discretisation::ForwardEuler), membrane(0.01, 1e-5, Discretisation::Exponential));
    assert_close(&fine_euler, &fine_exp, 1e-6, 1e-3, "dt ≪ τ");
}
