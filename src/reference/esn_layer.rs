//! CPU reference of one leaky-tanh echo-state layer run over a whole sequence:
//!
//! ```text
//! x_t = (1 − a)·x_{t−1} + a·tanh(d_t + W·x_{t−1})
//! ```
//!
//! `d_t` is the layer's drive (W_in·u_t + b, computed beforehand by one matmul for all t), W the
//! recurrent matrix, a the leak rate. Layout: drive `[B, T, N]`, W given **transposed**
//! (`weight_t[j·N + i] = W[i][j]`, so the kernel's reads are coalesced), initial `[B, N]`, states
//! `[B, T, N]`. The sum over j runs in index order, as the kernel's does; the argument of tanh
//! is clamped to ±15, where tanh is already 1 in f32, because some GPU tanh implementations
//! return NaN for large arguments (e^{2x} overflows).

/// tanh with its argument clamped to ±15 (NaN passes through, as the kernel's does).
#[inline]
pub fn bounded_tanh(h: f32) -> f32 {
    if h.is_nan() { h } else { h.clamp(-15.0, 15.0).tanh() }
}

/// The states `[B, T, N]`.
pub fn forward(drive: &[f32], weight_t: &[f32], initial: &[f32], leak: f32, batch: usize, steps: usize, neurons: usize) -> Vec<f32> {
    let mut states = vec![0.0; batch * steps * neurons];
    let mut next = vec![0.0; neurons];
    for b in 0..batch {
        let mut state = initial[b * neurons..(b + 1) * neurons].to_vec();
        for t in 0..steps {
            let row = (b * steps + t) * neurons;
            for i in 0..neurons {
                let mut h = drive[row + i];
                for j in 0..neurons {
                    h += weight_t[j * neurons + i] * state[j];
                }
                next[i] = (1.0 - leak) * state[i] + leak * bounded_tanh(h);
            }
            state.copy_from_slice(&next);
            states[row..row + neurons].copy_from_slice(&next);
        }
    }
    states
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_unit_follows_the_scalar_recurrence() {
        // W = [[0.5]], a = 0.3, x0 = 0.2, drive 1, 0, −1.
        let states = forward(&[1.0, 0.0, -1.0], &[0.5], &[0.2], 0.3, 1, 3, 1);
        let mut x = 0.2f32;
        for (t, d) in [1.0f32, 0.0, -1.0].into_iter().enumerate() {
            x = 0.7 * x + 0.3 * (d + 0.5 * x).tanh();
            assert!((states[t] - x).abs() < 1e-7, "step {t}");
        }
    }

    #[test]
    fn the_transposed_weight_is_read_as_w_i_j() {
        // W = [[0, 1], [0, 0]]: unit 0 sees unit 1, unit 1 sees nothing; leak 1, no drive.
        let weight_t = [0.0, 0.0, 1.0, 0.0];
        let states = forward(&[0.0; 2], &weight_t, &[0.0, 0.5], 1.0, 1, 1, 2);
        assert!((states[0] - 0.5f32.tanh()).abs() < 1e-7 && states[1] == 0.0, "{states:?}");
        assert!(bounded_tanh(1e30) == 1.0 && bounded_tanh(f32::NAN).is_nan());
    }
}
