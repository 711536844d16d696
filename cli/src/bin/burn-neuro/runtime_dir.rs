//! A clean first run on a machine without a desktop login: there the Vulkan/GL loader stack
//! prints `error: XDG_RUNTIME_DIR is invalid or not set in the environment.` for every adapter
//! it probes, which reads like a failure although nothing failed. When the variable is unset or
//! does not name a directory, the CLI points it at a private directory of its own.

use std::path::{Path, PathBuf};

/// Sets `XDG_RUNTIME_DIR` to a private temporary directory when it is unset or invalid. Must
/// run before any other thread starts (it changes the process environment).
pub fn ensure() {
    if std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| Path::new(&dir).is_dir()) {
        return;
    }
    let Some(dir) = private_dir() else {
        return; // the loaders' own message then stays the only consequence
    };
    // SAFETY: called first thing in `main`, while the process has a single thread, so no
    // other code can be reading the environment concurrently.
    unsafe { std::env::set_var("XDG_RUNTIME_DIR", dir) };
}

/// `<tmp>/burn-neuro-runtime-<uid>`, created with owner-only permissions (what the XDG spec
/// asks of a runtime directory).
fn private_dir() -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("burn-neuro-runtime-{}", user_id()));
    std::fs::create_dir_all(&dir).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).ok()?;
    }
    Some(dir)
}

/// The process's user id on Unix (the owner of `/proc/self`), else the user's name, so users
/// sharing a machine get separate directories.
fn user_id() -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata("/proc/self") {
            return meta.uid().to_string();
        }
    }
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "user".into())
}
