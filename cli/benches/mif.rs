//! `cargo bench -p burn-neuro-cli --bench mif`: the device ceilings, then the `mif` family of
//! the benchmark suite on the first adapter (`BENCH_QUICK=1` for the small sizes). `burn-neuro
//! bench` runs every family on every adapter and writes JSON and PNG reports.

fn main() {
    burn_neuro_cli::bench::run_bench_target("mif");
}
