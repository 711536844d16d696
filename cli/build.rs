//! Records the exact Burn and wgpu versions (from Cargo.lock) and the git revision, so
//! benchmark records can say what they measured. Runs in `cli/`: the workspace's lock file
//! and git directory are one level up.

use std::process::Command;

fn locked_version(lock: &str, name: &str) -> String {
    let needle = format!("name = \"{name}\"\nversion = \"");
    lock.find(&needle).and_then(|at| lock[at + needle.len()..].split('"').next()).unwrap_or("unknown").to_string()
}

fn main() {
    println!("cargo:rerun-if-changed=../Cargo.lock");
    println!("cargo:rerun-if-changed=../.git/HEAD");
    println!("cargo:rerun-if-changed=../.git/refs/heads");
    let lock = std::fs::read_to_string("../Cargo.lock").unwrap_or_default();
    println!("cargo:rustc-env=BURN_NEURO_BURN_VERSION={}", locked_version(&lock, "burn"));
    println!("cargo:rustc-env=BURN_NEURO_WGPU_VERSION={}", locked_version(&lock, "wgpu"));
    let revision = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=BURN_NEURO_GIT_REVISION={revision}");
}
