//! `burn-neuro info --backend …`: the API is chosen at run time. The self-check runs on GL
//! (Mesa's llvmpipe through EGL, which CI installs), where f16 is missing and skipped; an API
//! the machine lacks is one clear error.

use std::process::Command;

fn info(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_burn-neuro")).arg("info").args(args).output().expect("the CLI runs")
}

#[test]
fn the_self_check_runs_on_gl() {
    let output = info(&["--backend", "gl"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("first Gl adapter"), "{stdout}");
    assert!(stdout.contains("F32: T=16") && stdout.contains("— ok"), "the f32 LIF matches its reference on GL:\n{stdout}");
    assert!(stdout.contains("f16: skipped"), "GL has no f16 in wgpu:\n{stdout}");
}

#[test]
fn a_missing_api_is_one_clear_error() {
    let output = info(&["--backend", "metal"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("error: --backend metal: ") && lines[0].contains("no Metal adapter"), "{stderr}");
}
