//! The compact saved state of `SavedState::Compact` (memory-light BPTT), as the fused forward
//! writes it and the backward reads it: u32 words, spikes bit-packed along time (word
//! `(t / 32)·N + n`, bit `t % 32`), then each state plane as f16 pairs of consecutive steps (word
//! `(t / 2)·N + n`, the even step in the low half).

use half::f16;

/// Words for `planes` state planes of `[steps, neurons]`.
pub fn compact_words(steps: usize, neurons: usize, planes: usize) -> usize {
    steps.div_ceil(32) * neurons + planes * steps.div_ceil(2) * neurons
}

/// Packs 0/1 spikes and the state planes (each `[steps, neurons]`).
pub fn pack(spikes: &[f32], planes: &[&[f32]], steps: usize, neurons: usize) -> Vec<u32> {
    let mut words = vec![0u32; compact_words(steps, neurons, planes.len())];
    for t in 0..steps {
        for n in 0..neurons {
            if spikes[t * neurons + n] > 0.0 {
                words[(t / 32) * neurons + n] |= 1 << (t % 32);
            }
        }
    }
    let spike_words = steps.div_ceil(32) * neurons;
    let pair_words = steps.div_ceil(2) * neurons;
    for (p, plane) in planes.iter().enumerate() {
        for t in 0..steps {
            for n in 0..neurons {
                let bits = f16::from_f32(plane[t * neurons + n]).to_bits() as u32;
                words[spike_words + p * pair_words + (t / 2) * neurons + n] |= bits << (16 * (t % 2));
            }
        }
    }
    words
}

/// Unpacks the spikes and `planes` state planes (the states as the f16 values they were saved as).
pub fn unpack(words: &[u32], steps: usize, neurons: usize, planes: usize) -> (Vec<f32>, Vec<Vec<f32>>) {
    let spike_words = steps.div_ceil(32) * neurons;
    let pair_words = steps.div_ceil(2) * neurons;
    let mut spikes = vec![0.0; steps * neurons];
    let mut states = vec![vec![0.0; steps * neurons]; planes];
    for t in 0..steps {
        for n in 0..neurons {
            spikes[t * neurons + n] = ((words[(t / 32) * neurons + n] >> (t % 32)) & 1) as f32;
            for (p, plane) in states.iter_mut().enumerate() {
                let word = words[spike_words + p * pair_words + (t / 2) * neurons + n];
                plane[t * neurons + n] = f16::from_bits((word >> (16 * (t % 2))) as u16).to_f32();
            }
        }
    }
    (spikes, states)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_spikes_exactly_and_states_as_f16() {
        for (steps, neurons) in [(1, 1), (31, 2), (32, 3), (33, 1), (67, 5)] {
            let len = steps * neurons;
            let spikes: Vec<f32> = (0..len).map(|i| ((i * 7) % 3 == 0) as u8 as f32).collect();
            let membrane: Vec<f32> = (0..len).map(|i| i as f32 * 0.3 - 2.0).collect();
            let words = pack(&spikes, &[&membrane], steps, neurons);
            assert_eq!(words.len(), compact_words(steps, neurons, 1));
            let (unpacked, planes) = unpack(&words, steps, neurons, 1);
            assert_eq!(unpacked, spikes, "T={steps} N={neurons}");
            let f16: Vec<f32> = membrane.iter().map(|v| half::f16::from_f32(*v).to_f32()).collect();
            assert_eq!(planes, vec![f16], "T={steps} N={neurons}");
        }
    }
}
