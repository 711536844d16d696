//! The allocator settings the CPU path trains fastest with.
//!
//! A training step on the CPU path frees and reallocates the same tensors of tens of MB every
//! few milliseconds. mimalloc (the `burn-neuro` binary's global allocator) keeps freed memory
//! but by default returns it to the OS after a delay ("purging", mimalloc's `purge_delay`), so
//! steps page-fault and zero it again: with the default, 5 tutorial-5 epochs on 2 cores took
//! 11.0 s with 3.5 s of system time, with purging off 7.5 s and 0.15 s (measured before the
//! neuron kernels got faster). Never purging keeps the pages; the process then holds its peak
//! working set.

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_t` (after `mi_option_eager_commit_delay`,
/// 14; libmimalloc-sys does not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc never to return freed pages to the OS. Call it first thing in `main`, in a
/// program whose global allocator is `mimalloc::MiMalloc`; elsewhere it changes nothing.
/// `MIMALLOC_PURGE_DELAY=-1` in the environment does the same from the process's first
/// allocation on (measured: no difference in a training run).
pub fn keep_freed_pages() {
    // SAFETY: sets one of mimalloc's global integer options; -1 is its documented "never".
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}
