// Bit-packs binary spikes S [rows, columns] into u32 words [rows, ⌈columns/32⌉]: bit c % 32 of
// word (r, c / 32) is set where S[r, c] != 0 — what a synapse layer keeps of its input for the
// weight gradient, 32× less than f32. A workgroup takes WORKGROUP_SIZE consecutive columns of
// one row: each invocation reads one spike (loads coalesce) and ORs its bit into one of the
// workgroup's WORKGROUP_SIZE / 32 words, which the first invocations then store.
{{ enable_f16 }}

alias Elem = {{ elem }};
const WORKGROUP_SIZE: u32 = {{ workgroup_size }}u;
const WORDS: u32 = WORKGROUP_SIZE / 32u;

// Layout is mirrored by `PackParams` in src/kernels/spike_pack.rs.
struct PackParams {
    rows: u32,
    columns: u32,
    words_per_row: u32,
    // Workgroups per row: ⌈columns / WORKGROUP_SIZE⌉.
    column_blocks: u32,
}

@group(0) @binding(0) var<storage, read_write> spikes: array<Elem>;
@group(0) @binding(1) var<storage, read_write> packed: array<u32>;
@group(0) @binding(2) var<storage, read_write> params: PackParams;

var<workgroup> bits: array<atomic<u32>, WORDS>;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) num_workgroups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let p = params;
    // Large launches fold into a 2-D grid (a dimension holds at most 65,535 workgroups).
    let block = workgroup.y * num_workgroups.x + workgroup.x;
    let row = block / p.column_blocks;
    let chunk = block % p.column_blocks;
    if local < WORDS {
        atomicStore(&bits[local], 0u);
    }
    workgroupBarrier();
    let column = chunk * WORKGROUP_SIZE + local;
    if row < p.rows && column < p.columns {
        if f32(spikes[row * p.columns + column]) != 0.0 {
            atomicOr(&bits[local / 32u], 1u << (local % 32u));
        }
    }
    workgroupBarrier();
    let word = chunk * WORDS + local;
    if local < WORDS && row < p.rows && word < p.words_per_row {
        packed[row * p.words_per_row + word] = atomicLoad(&bits[local]);
    }
}
