//! NIR files: every fixture the real `nir` 1.0.8 wrote (`data/nir/make_fixtures.py`, snnTorch's
//! exporter included) reads back with its node types, fields and edges; our writer's files read
//! back equal; and broken files give an error that names the node and what is wrong.

use std::path::{Path, PathBuf};

use burn_neuro::NeuroError;
use burn_neuro::nir::{NirGraph, NirNode, NodeKind, Value, read, write};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/nir").join(name)
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("burn-neuro-nir-{}-{name}", std::process::id()))
}

const FIXTURES: [&str; 14] = [
    "lif.nir",
    "cubalif.nir",
    "mlp.nir",
    "conv.nir",
    "rlif.nir",
    "others.nir",
    "conv1d.nir",
    "conv2d_valid_avgpool.nir",
    "snntorch_mlp.nir",
    "snntorch_synaptic.nir",
    "snntorch_rleaky.nir",
    "snntorch_conv.nir",
    "norse_lifbox.nir",
    "norse_lif.nir",
];

fn floats(node: &NirNode, field: &str) -> Vec<f64> {
    node.fields[field].to_f64().unwrap_or_else(|| panic!("`{field}` is numeric"))
}

#[test]
fn every_fixture_reads_and_round_trips() {
    for name in FIXTURES {
        let graph = read(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!graph.nodes.is_empty() && !graph.edges.is_empty(), "{name}");
        let copy = scratch(name);
        write(&copy, &graph).unwrap_or_else(|e| panic!("{name}: writing: {e}"));
        assert_eq!(read(&copy).unwrap_or_else(|e| panic!("{name}: re-reading: {e}")), graph, "{name}: our file reads back equal");
        let _ = std::fs::remove_file(copy);
    }
}

#[test]
fn fixtures_hold_what_nir_wrote() {
    let lif = read(&fixture("lif.nir")).expect("lif.nir");
    let node = &lif.nodes["lif"];
    assert_eq!(node.kind, NodeKind::Lif);
    assert_eq!(node.fields["tau"], Value::f32(vec![3], vec![0.02; 3]));
    assert_eq!(lif.edges, [("input".to_string(), "lif".to_string()), ("lif".into(), "output".into())]);

    let cuba = read(&fixture("cubalif.nir")).expect("cubalif.nir");
    assert_eq!(floats(&cuba.nodes["cubalif"], "w_in"), [2.0; 3]);

    let mlp = read(&fixture("mlp.nir")).expect("mlp.nir");
    let kinds: Vec<NodeKind> = mlp.nodes.values().map(|n| n.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == NodeKind::Affine).count(), 2, "{kinds:?}");
    assert_eq!(mlp.metadata.get("author"), Some(&Value::Text("test".into())));

    let conv = read(&fixture("conv.nir")).expect("conv.nir");
    assert_eq!(conv.nodes["conv"].fields["weight"].shape(), [4, 2, 3, 3]);
    assert_eq!(conv.nodes["conv"].fields["padding"], Value::i64(vec![2], vec![1, 1]));
    assert_eq!(conv.nodes["flat"].kind, NodeKind::Flatten);

    // The recurrent LIF: a nested graph whose LIF feeds itself through an Affine.
    let rlif = read(&fixture("rlif.nir")).expect("rlif.nir");
    let sub = rlif.nodes["rnn"].graph.as_ref().expect("a subgraph");
    assert!(sub.edges.contains(&("lif".into(), "w_rec".into())) && sub.edges.contains(&("w_rec".into(), "lif".into())));
    let paths: Vec<String> = rlif.walk().into_iter().map(|(path, _)| path).collect();
    assert!(paths.contains(&"rnn.w_rec".to_string()), "{paths:?}");

    // Every other node type, and a string padding.
    let others = read(&fixture("others.nir")).expect("others.nir");
    for kind in [NodeKind::Linear, NodeKind::Scale, NodeKind::Delay, NodeKind::I, NodeKind::Li, NodeKind::If, NodeKind::CubaLi, NodeKind::Threshold] {
        assert!(others.nodes.values().any(|n| n.kind == kind), "{kind:?}");
    }
    let conv1d = read(&fixture("conv1d.nir")).expect("conv1d.nir");
    assert_eq!(conv1d.nodes["c1"].fields["padding"], Value::Text("same".into()));
    let pooled = read(&fixture("conv2d_valid_avgpool.nir")).expect("conv2d_valid_avgpool.nir");
    assert_eq!(pooled.nodes["ap"].kind, NodeKind::AvgPool2d);

    // snnTorch's export of Leaky(β = 0.9): τ = dt/(1 − β) and R = τ/dt with its dt = 1e-4.
    let snn = read(&fixture("snntorch_mlp.nir")).expect("snntorch_mlp.nir");
    let leaky = snn.nodes.values().find(|n| n.kind == NodeKind::Lif && n.fields["tau"].shape() == [3]).expect("the first Leaky");
    for (tau, r) in floats(leaky, "tau").into_iter().zip(floats(leaky, "r")) {
        assert!((tau - 1e-4 / (1.0 - 0.9)).abs() < 1e-9 && (r - 10.0).abs() < 1e-5, "τ {tau}, R {r}");
    }
}

/// One node's datasets: `(name, values)`.
type Fields = Vec<(&'static str, Vec<f32>)>;

/// A broken file: node type, the type dataset's shape, fields, edges, and the expected error.
type BrokenCase = (&'static str, &'static [u64], Fields, &'static [(&'static str, &'static str)], &'static str);

/// A file with one node `n` of type `kind` and datasets `fields`, written by hand.
fn hand_made(path: &Path, kind: &str, type_shape: &[u64], fields: &[(&str, Vec<f32>)], edges: &[(&str, &str)]) {
    let mut file = hdf5_pure::FileBuilder::new();
    let mut root = file.create_group("node");
    root.create_dataset("type").with_vlen_strings(&["NIRGraph"]).with_shape(&[]);
    let mut nodes = root.create_group("nodes");
    let mut node = nodes.create_group("n");
    node.create_dataset("type").with_vlen_strings(&[kind]).with_shape(type_shape);
    for (name, values) in fields {
        node.create_dataset(name).with_f32_data(values);
    }
    nodes.add_group(node.finish());
    root.add_group(nodes.finish());
    let flat: Vec<&str> = edges.iter().flat_map(|(a, b)| [*a, *b]).collect();
    root.create_dataset("edges").with_vlen_strings(&flat).with_shape(&[edges.len() as u64, 2]);
    file.add_group(root.finish());
    file.write(path).expect("written");
}

#[test]
fn broken_files_name_the_node_and_the_problem() {
    let lif = |skip: &str, tau: Vec<f32>| -> Fields {
        [("tau", tau), ("r", vec![1.0; 2]), ("v_leak", vec![0.0; 2]), ("v_threshold", vec![1.0; 2])].into_iter().filter(|(n, _)| *n != skip).collect()
    };
    let path = scratch("broken.nir");
    let cases: Vec<BrokenCase> = vec![
        ("Spiky", &[], lif("", vec![0.02; 2]), &[("n", "n")], "unknown node type \"Spiky\""),
        ("LIF", &[], lif("tau", vec![]), &[("n", "n")], "the field `tau` a LIF node needs"),
        ("LIF", &[], lif("", vec![0.02; 3]), &[("n", "n")], "one shape"),
        ("LIF", &[], lif("", vec![0.02; 2]), &[("n", "ghost")], "names `ghost`"),
        ("LIF", &[1], lif("", vec![0.02; 2]), &[("n", "n")], "scalar"),
    ];
    for (kind, type_shape, fields, edges, expected) in cases {
        hand_made(&path, kind, type_shape, &fields, edges);
        let error = read(&path).expect_err(expected);
        assert!(matches!(error, NeuroError::Io { .. }) && error.to_string().contains(expected), "{expected}: {error}");
    }
    std::fs::write(&path, b"not hdf5").expect("written");
    assert!(read(&path).expect_err("not HDF5").to_string().contains("not a readable HDF5 file"));
    let _ = std::fs::remove_file(path);

    // The writer checks too: a field the node type does not take.
    let mut graph = NirGraph::default();
    graph
        .nodes
        .insert("x".into(), NirNode::new(NodeKind::Scale, [("scale", Value::f32(vec![1], vec![1.0])), ("bias", Value::f32(vec![1], vec![0.0]))]));
    let error = write(&scratch("refused.nir"), &graph).expect_err("an extra field");
    assert!(error.to_string().contains("not `bias`"), "{error}");
}

/// snnTorch's fixture network rebuilt from our layers: Linear(4, 3) → Leaky(β 0.9) →
/// Linear(3, 2) → Leaky(β 0.8), with the fixture's weights.
#[test]
fn our_layers_export_as_snntorch_exports_them() {
    use burn::module::Param;
    use burn::nn::LinearConfig;
    use burn::tensor::{Device, Tensor, TensorData};
    use burn_neuro::ResetMode;
    use burn_neuro::nir::{ExportLayer, ExportOptions, export_chain};
    use burn_neuro::snn::LeakyConfig;

    let device = Device::flex();
    let fixture_graph = read(&fixture("snntorch_mlp.nir")).expect("snntorch_mlp.nir");
    let linear = |name: &str| {
        let node = &fixture_graph.nodes[name];
        let [outputs, inputs] = node.fields["weight"].shape() else { panic!("a 2-D weight") };
        let (outputs, inputs) = (*outputs, *inputs);
        let weight: Vec<f32> = floats(node, "weight").into_iter().map(|v| v as f32).collect();
        let bias: Vec<f32> = floats(node, "bias").into_iter().map(|v| v as f32).collect();
        let mut layer = LinearConfig::new(inputs, outputs).init(&device);
        // Ours is [in, out]: NIR's [out, in] transposed.
        layer.weight = Param::from_tensor(Tensor::<2>::from_data(TensorData::new(weight, [outputs, inputs]), &device).transpose());
        layer.bias = Some(Param::from_tensor(Tensor::<1>::from_data(TensorData::new(bias, [outputs]), &device)));
        layer
    };
    let leaky = |beta: f32| LeakyConfig::new(beta).with_reset(ResetMode::Zero).init(&device).expect("valid config");
    let (fc1, lif1, fc2, lif2) = (linear("0"), leaky(0.9), linear("2"), leaky(0.8));
    let layers = [ExportLayer::Linear(&fc1), ExportLayer::Leaky(&lif1), ExportLayer::Linear(&fc2), ExportLayer::Leaky(&lif2)];
    let graph = export_chain(&layers, &[4], &ExportOptions::default()).expect("exports");
    for name in ["0", "1", "2", "3"] {
        let (ours, theirs) = (&graph.nodes[name], &fixture_graph.nodes[name]);
        assert_eq!(ours.kind, theirs.kind, "node {name}");
        for (field, value) in &theirs.fields {
            let (a, b) = (floats(ours, field), value.to_f64().expect("numeric"));
            assert_eq!(ours.fields[field].shape(), value.shape(), "{name}.{field}");
            // snnTorch computes τ in f32 arithmetic from an f32 β; ours in f64, rounded once.
            assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1e-6 * y.abs().max(1.0)), "{name}.{field}: {a:?} vs {b:?}");
        }
    }
    let sorted = |edges: &[(String, String)]| {
        let mut edges = edges.to_vec();
        edges.sort();
        edges
    };
    assert_eq!(sorted(&graph.edges), sorted(&fixture_graph.edges), "the same chain");
    let file = scratch("exported.nir");
    write(&file, &graph).expect("written");
    assert_eq!(read(&file).expect("read back"), graph);
    let _ = std::fs::remove_file(file);

    // snnTorch's default subtract reset has no NIR form: refused unless asked for.
    let subtract = LeakyConfig::new(0.9).init(&device).expect("valid config");
    let error = export_chain(&[ExportLayer::Linear(&fc1), ExportLayer::Leaky(&subtract)], &[4], &ExportOptions::default()).expect_err("refused");
    assert!(error.to_string().contains("Subtract"), "{error}");
    let options = ExportOptions { allow_reset_change: true, ..ExportOptions::default() };
    assert!(export_chain(&[ExportLayer::Linear(&fc1), ExportLayer::Leaky(&subtract)], &[4], &options).is_ok());
    let error = export_chain(&[ExportLayer::Leaky(&leaky(1.0))], &[4], &ExportOptions::default()).expect_err("β = 1");
    assert!(error.to_string().contains("no finite NIR time constant"), "{error}");
}
