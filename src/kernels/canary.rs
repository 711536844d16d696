//! Out-of-bounds watch for the kernel tests (`poison-outputs` feature only).
//!
//! Burn compiles our WGSL with bounds checks off and Metal has no robust buffer access, so a
//! kernel that writes past its output would silently corrupt whatever tensor the memory pool
//! placed next to it. Inside [`watch`], every buffer a launcher allocates (outputs and scratch)
//! is carved out of a larger allocation with [`GUARD_BYTES`] of a known pattern on each side;
//! when the closure returns, every guard is read back and compared. A kernel that writes up to
//! [`GUARD_BYTES`] past the end of its buffer (the usual loose bound check) shows up as a
//! changed guard byte, naming the buffer, on every driver. The guard before the buffer lies
//! outside the binding: it can only change on a driver without robust buffer access, through an
//! index that wrapped around.
//!
//! A watched buffer is shared with the watch, so Burn sees it as not uniquely owned: in-place
//! paths (`can_mut`) take their copy branch inside a watch.

use std::sync::Mutex;

use burn::backend::wgpu::CubeTensor;
use burn::cubecl::client::Client;
use burn::cubecl::server::Handle;

/// Guard bytes on each side of a watched buffer: a multiple of every adapter's storage-buffer
/// offset alignment (at most 256 in WebGPU), so the inner binding stays legal.
pub const GUARD_BYTES: usize = 256;

/// The guard pattern, repeated: not a valid small float, not all-ones (the poison), not zero.
const GUARD_WORD: u32 = 0xA5C3_5A3C;

struct Watched {
    client: Client,
    whole: Handle,
    bytes: usize,
    what: String,
}

/// The buffers of the active watch. Global, not per thread: Burn's fusion runtime may launch a
/// kernel on another thread than the one that called the op.
static WATCHED: Mutex<Option<Vec<Watched>>> = Mutex::new(None);
/// One watch at a time, so each sees exactly the buffers its closure allocated.
static ONE_WATCH: Mutex<()> = Mutex::new(());

fn watched() -> std::sync::MutexGuard<'static, Option<Vec<Watched>>> {
    // A test that panicked inside a watch leaves the list poisoned; the list itself is intact.
    WATCHED.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A changed guard: which buffer, which side, and the first changed byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardViolation {
    /// The buffer's description (shape and dtype of an output, or the scratch buffer's name).
    pub buffer: String,
    /// Bytes the buffer holds.
    pub bytes: usize,
    /// `"before"` or `"after"` the buffer.
    pub side: &'static str,
    /// Offset of the first changed guard byte, counted from the buffer's start (negative before).
    pub offset: isize,
}

/// What [`watch`] saw: how many buffers it guarded and every guard that changed.
#[derive(Debug, Clone, Default)]
pub struct GuardReport {
    /// Buffers allocated inside the watch.
    pub buffers: usize,
    /// Guards that did not survive.
    pub violations: Vec<GuardViolation>,
}

/// Runs `f` with every kernel buffer allocated meanwhile guarded, then checks the guards. Watches
/// in several threads run one after another. `f` must read its results (which runs the queued
/// kernels) before it returns.
pub fn watch<R>(f: impl FnOnce() -> R) -> (R, GuardReport) {
    /// Ends the watch even when `f` panics, so later allocations are not guarded and kept.
    struct EndWatch;
    impl Drop for EndWatch {
        fn drop(&mut self) {
            watched().take();
        }
    }
    let _one = ONE_WATCH.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    *watched() = Some(Vec::new());
    let end = EndWatch;
    let result = f();
    let watched = watched().take().unwrap_or_default();
    drop(end);
    let mut report = GuardReport { buffers: watched.len(), violations: Vec::new() };
    for buffer in watched {
        let whole = buffer.client.read_one_unchecked(buffer.whole.clone());
        let bytes: &[u8] = &whole;
        let after = &bytes[GUARD_BYTES + buffer.bytes..];
        let sides = [("before", &bytes[..GUARD_BYTES], -(GUARD_BYTES as isize)), ("after", after, buffer.bytes as isize)];
        for (side, found, base) in sides {
            if let Some(at) = found.iter().zip(pattern(found.len())).position(|(a, b)| *a != b) {
                report.violations.push(GuardViolation { buffer: buffer.what.clone(), bytes: buffer.bytes, side, offset: base + at as isize });
            }
        }
    }
    (result, report)
}

/// `len` bytes of the guard pattern.
fn pattern(len: usize) -> Vec<u8> {
    GUARD_WORD.to_le_bytes().iter().copied().cycle().take(len).collect()
}

/// A buffer of `bytes` filled with `fill`, guarded when a watch is active.
pub(crate) fn allocate(client: &Client, bytes: usize, fill: u8, what: impl FnOnce() -> String) -> Handle {
    if watched().is_none() {
        return client.create_from_slice(&vec![fill; bytes]);
    }
    guarded(client, &vec![fill; bytes], what())
}

/// A kernel that updates a tensor in place writes into a guarded copy of it while a watch is
/// active (the copy goes through the host: this is test-only code).
pub(crate) fn guarded_in_place(tensor: CubeTensor, what: impl FnOnce() -> String) -> CubeTensor {
    if watched().is_none() {
        return tensor;
    }
    let contents = tensor.client.read_one_unchecked(tensor.handle.clone());
    let handle = guarded(&tensor.client, &contents, what());
    CubeTensor::new_contiguous(tensor.client.clone(), tensor.device.clone(), tensor.meta.shape().clone(), handle, tensor.dtype)
}

fn guarded(client: &Client, contents: &[u8], what: String) -> Handle {
    // Storage bindings have sizes in whole 4-byte words (an odd count of f16 values rounds up).
    // The rounding bytes carry the guard pattern too, so a write one f16 past an odd-length
    // buffer is caught.
    let inner = contents.len().next_multiple_of(4);
    let mut whole = pattern(GUARD_BYTES);
    whole.extend_from_slice(contents);
    whole.extend(pattern(inner - contents.len() + GUARD_BYTES));
    let whole = client.create_from_slice(&whole);
    // The binding runs on through the trailing guard: Vulkan and GL drivers with robust buffer
    // access discard a write past the end of a binding, which would hide the very stray write
    // Metal lets through; inside the binding it lands in the guard and is seen.
    let handle = whole.clone().offset_start(GUARD_BYTES as u64);
    if let Some(list) = watched().as_mut() {
        list.push(Watched { client: client.clone(), whole, bytes: contents.len(), what });
    }
    handle
}
