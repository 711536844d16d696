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

const FIXTURES: [&str; 9] =
    ["lif.nir", "cubalif.nir", "mlp.nir", "conv.nir", "rlif.nir", "others.nir", "conv1d.nir", "conv2d_valid_avgpool.nir", "snntorch_mlp.nir"];

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
