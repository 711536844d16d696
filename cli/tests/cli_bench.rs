//! `burn-neuro bench`: the quick suite runs on the test adapter and writes a valid record and
//! charts; `bench compare` flags a planted regression; bad arguments fail with one clear line.

use std::path::Path;
use std::process::Command;

use burn_neuro_cli::bench::record::{BenchRecord, SCHEMA_VERSION};

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro"))
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("burn-neuro-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The single error line of a failed run.
fn assert_one_line_error(output: &std::process::Output, contains: &str) {
    assert!(!output.status.success(), "expected failure");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected, got:\n{stderr}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(contains), "{stderr}");
}

fn check_schema(path: &Path) -> BenchRecord {
    let text = std::fs::read_to_string(path).expect("record written");
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    for field in [
        "schema",
        "adapter",
        "burn_version",
        "wgpu_version",
        "git_revision",
        "date",
        "mode",
        "copy_peak_gb_per_s",
        "fma_peak_gflop_per_s",
        "results",
        "comparisons",
    ] {
        assert!(value.get(field).is_some(), "missing field {field}");
    }
    let first = &value["results"][0];
    for field in ["family", "variant", "pass", "shape", "dtype", "params", "samples", "stats", "work", "rates"] {
        assert!(first.get(field).is_some(), "result misses {field}");
    }
    assert!(first["samples"]["seconds"].as_array().is_some_and(|s| s.len() >= 15), "raw samples");
    assert!(matches!(first["samples"]["timing"].as_str(), Some("device" | "wall")));
    let record: BenchRecord = serde_json::from_value(value).expect("record deserializes");
    assert_eq!(record.schema, SCHEMA_VERSION);
    assert_eq!(record.mode, "quick");
    assert!(record.adapter.shader_path.starts_with("WGSL → "), "shader path recorded: {:?}", record.adapter.shader_path);
    assert!(record.copy_peak_gb_per_s > 0.0 && record.fma_peak_gflop_per_s > 0.0);
    for family in ["ceiling", "lif", "spike_propagate"] {
        assert!(record.results.iter().any(|r| r.family == family), "no {family} results");
    }
    for r in &record.results {
        assert!(r.stats.p10 <= r.stats.median && r.stats.median <= r.stats.p90, "{}", r.key());
    }
    // The harness's forward+backward cases report the memory the forward holds for backward:
    // at least the [T, 16, n] f32 spikes the fused op saves.
    let held: Vec<_> = record.results.iter().filter(|r| r.family == "snn_harness" && r.pass == "forward+backward").collect();
    assert!(!held.is_empty(), "no harness results");
    for r in held {
        let spikes = 4 * r.shape.iter().product::<usize>() as u64;
        assert!(r.held_for_backward_bytes.is_some_and(|b| b >= spikes), "{}: {:?}", r.key(), r.held_for_backward_bytes);
    }
    record
}

#[test]
fn quick_bench_writes_a_valid_record_and_charts_and_compare_flags_a_regression() {
    let out = scratch("bench");
    let run = cli().args(["bench", "--quick", "--adapter", "0", "--out"]).arg(&out).output().expect("runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "bench failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("| kernel | variant |") && stdout.contains("speedup"), "{stdout}");

    let files: Vec<_> = std::fs::read_dir(&out).expect("out dir").map(|e| e.expect("entry").path()).collect();
    let json = files.iter().find(|p| p.extension().is_some_and(|e| e == "json")).expect("a JSON record");
    let record = check_schema(json);
    let pngs: Vec<_> = files.iter().filter(|p| p.extension().is_some_and(|e| e == "png")).collect();
    assert_eq!(pngs.len(), 2, "peak and density charts");
    for png in pngs {
        let image = image::open(png).expect("a readable PNG");
        assert!(image.width() >= 600 && image.height() >= 100);
    }

    // Identical records: no regression.
    let same = cli().args(["bench", "compare"]).arg(json).arg(json).output().expect("runs");
    assert!(same.status.success(), "{}", String::from_utf8_lossy(&same.stderr));
    assert!(String::from_utf8_lossy(&same.stdout).contains("No regressions"));

    // A planted 2× slowdown of the fused LIF is flagged, and nothing else is. Its baseline
    // samples are set to their median first: a regression must also clear the old run's p90
    // spread, which a busy machine can widen past 2×.
    let mut steady = record.clone();
    let target = steady.results.iter_mut().find(|r| r.family == "lif" && r.variant == "fused").expect("a fused LIF result");
    let planted = target.key();
    let median = target.stats.median;
    target.samples.seconds.iter_mut().for_each(|s| *s = median);
    target.stats = burn_neuro_cli::bench::measure::Stats::of(&target.samples.seconds);
    let baseline = out.join("steady.json");
    std::fs::write(&baseline, serde_json::to_string(&steady).expect("serializes")).expect("written");
    let mut slower = steady.clone();
    let target = slower.results.iter_mut().find(|r| r.key() == planted).expect("the planted result");
    for s in target.samples.seconds.iter_mut() {
        *s *= 2.0;
    }
    target.stats = burn_neuro_cli::bench::measure::Stats::of(&target.samples.seconds);
    let new = out.join("slower.json");
    std::fs::write(&new, serde_json::to_string(&slower).expect("serializes")).expect("written");
    let flagged = cli().args(["bench", "compare"]).arg(&baseline).arg(&new).output().expect("runs");
    let stdout = String::from_utf8_lossy(&flagged.stdout);
    assert!(!flagged.status.success(), "a regression must fail the comparison");
    let regressions: Vec<&str> = stdout.lines().filter(|l| l.contains("REGRESSION")).collect();
    assert_eq!(regressions.len(), 1, "{stdout}");
    assert!(regressions[0].contains(&planted) && regressions[0].contains("2.00×"), "{stdout}");
    assert_one_line_error(&flagged, "1 result(s) regressed");

    // Records of different APIs compare side by side, each case against its own adapter's peak.
    let mut other_api = record.clone();
    other_api.adapter.backend = "Gl".into();
    let other = out.join("other-api.json");
    std::fs::write(&other, serde_json::to_string(&other_api).expect("serializes")).expect("written");
    let side_by_side = cli().args(["bench", "compare"]).arg(json).arg(&other).arg("--out").arg(&out).output().expect("runs");
    let stdout = String::from_utf8_lossy(&side_by_side.stdout);
    assert!(side_by_side.status.success(), "{}", String::from_utf8_lossy(&side_by_side.stderr));
    let header = stdout.lines().next().unwrap_or_default();
    assert!(header.contains(&format!("({}) median", record.adapter.backend)) && header.contains("(Gl) median"), "{stdout}");
    assert!(stdout.contains(&planted) && !stdout.contains("REGRESSION"), "{stdout}");
    let chart = image::open(out.join("bench-platforms.png")).expect("the side-by-side chart");
    assert!(chart.width() >= 600);
}

#[test]
fn bench_errors_are_one_clear_line() {
    assert_one_line_error(&cli().args(["bench", "--quick", "--adapter", "99"]).output().expect("runs"), "--adapter 99: no such adapter");
    assert_one_line_error(&cli().args(["bench", "--samples", "3"]).output().expect("runs"), "--samples 3");
    assert_one_line_error(&cli().args(["bench", "--quick", "--device", "cpu"]).output().expect("runs"), "remote:ws://HOST:PORT");
    let missing = cli().args(["bench", "compare", "/nonexistent/old.json", "/nonexistent/new.json"]).output().expect("runs");
    assert_one_line_error(&missing, "/nonexistent/old.json");
    let bad = scratch("badjson").join("bad.json");
    std::fs::write(&bad, "{\"not\": \"a record\"}").expect("written");
    assert_one_line_error(&cli().args(["bench", "compare"]).arg(&bad).arg(&bad).output().expect("runs"), "not a burn-neuro bench record");
}
