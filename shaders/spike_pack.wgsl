// Bit-packs binary spikes S [rows, columns] into u32 words [rows, ⌈columns/32⌉]: bit c % 32 of
// word (r, c / 32) is set where S[r, c] != 0 — what a synapse layer keeps of its input for the
// weight gradient, 32× less than f32. A workgroup takes WORKGROUP_SIZE consecutive columns of
// one row: each invocation reads one spike (loads coalesce) and ORs its bit into one of the
// workgroup's WORKGROUP_SIZE / 32 words, which the first invocations then store.
// The same pass counts the active spikes (non-zero, NaN included) and the invalid ones
// (neither 0 nor 1), so checking binary input and measuring density need no other pass.
const WORDS: u32 = WORKGROUP_SIZE / 32u;

@group(0) @binding(0) var<storage, read_write> spikes: array<Elem>;
@group(0) @binding(1) var<storage, read_write> packed: array<u32>;
@group(0) @binding(2) var<storage, read_write> params: PackParams;
// [active, invalid], zeroed by the launcher.
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>, 2>;

var<workgroup> bits: array<atomic<u32>, WORDS>;
var<workgroup> tally: array<atomic<u32>, 2>;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let p = params;
    // Large launches fold into a 2-D grid (a dimension holds at most 65,535 workgroups).
    let block = workgroup_index(workgroup, num_workgroups);
    let row = block / p.column_blocks;
    let chunk = block % p.column_blocks;
    if local < WORDS {
        atomicStore(&bits[local], 0u);
    }
    if local < 2u {
        atomicStore(&tally[local], 0u);
    }
    workgroupBarrier();
    let column = chunk * WORKGROUP_SIZE + local;
    if row < p.rows && column < p.columns {
        let value = f32(spikes[row * p.columns + column]);
        if is_nonzero_f32(value) {
            atomicOr(&bits[local / 32u], 1u << (local % 32u));
            atomicAdd(&tally[0], 1u);
        }
        if is_nan_f32(value) || !(value == 0.0 || value == 1.0) {
            atomicAdd(&tally[1], 1u);
        }
    }
    workgroupBarrier();
    if local < 2u {
        let n = atomicLoad(&tally[local]);
        if n > 0u {
            atomicAdd(&counts[local], n);
        }
    }
    let word = chunk * WORDS + local;
    if local < WORDS && row < p.rows && word < p.words_per_row {
        packed[row * p.words_per_row + word] = atomicLoad(&bits[local]);
    }
}
