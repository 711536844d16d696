//! The `burn-neuro` command line's library: the benchmark suite and its reports (`bench`), the
//! end-to-end training runs (`train`) and the charts both draw. Kept apart from the
//! `burn-neuro` library so that depending on the kernels compiles no CLI, plotting or
//! progress-bar crates.

pub mod allocator;
pub mod bench;
pub mod chart;
pub mod dse;
pub mod reservoir;
pub mod sidechannel;
pub mod train;
