//! `cargo bench -p burn-neuro-cli --bench lowbit`: the device ceilings, then the `lowbit` family
//! of the benchmark suite on the first adapter (`BENCH_QUICK=1` for the small sizes).

fn main() {
    burn_neuro_cli::bench::run_bench_target("lowbit");
}
