//! `cargo bench -p burn-neuro-cli --bench reservoir_node`: the device ceilings, then the
//! `reservoir_node` family of the benchmark suite on the first adapter (`BENCH_QUICK=1` for the
//! small sizes).

fn main() {
    burn_neuro_cli::bench::run_bench_target("reservoir_node");
}
