//! CPU reference of the RN-Net reservoir node (Yoo et al., "RN-Net", Adv. Intell. Syst. 2024):
//! one short-term-memory memristor per node and channel, driven by binary events.
//!
//! ```text
//! G_t = P_c·(G_max − G_{t−1})·δ_t + G_{t−1}·d,        d = e^{−1/τ} (τ in steps)
//! ```
//!
//! An event pulls the conductance a fraction P_c of the way up to G_max from its *previous*
//! value, and the conductance relaxes by d every step whatever happens: with G_{t−1} = G_max and
//! an event, G_t = d·G_max. A node has K channels, each its own (P_c, d) pair (short and long
//! memories of the same input).
//!
//! Layout: δ `[T, N]`, the initial state `[K, N]`, coefficients `[2, K]` (row 0 P_c, row 1 d),
//! the conductances `[T, K, N]` (channel-major within a step, so channel k of step t is a
//! contiguous row of N). Arithmetic is f32; each stored G is rounded to the storage dtype and
//! the next step continues from the stored value, so the backward reads exactly the states the
//! forward used.

use super::Storage;

/// One update: the expression the WGSL kernel evaluates, in the same order.
#[inline]
pub fn step(previous: f32, delta: f32, p_c: f32, decay: f32, g_max: f32) -> f32 {
    p_c * (g_max - previous) * delta + previous * decay
}

/// The conductances `[T, K, N]` after each of `steps` updates.
pub fn forward(input: &[f32], initial: &[f32], coeffs: &[f32], g_max: f32, steps: usize, neurons: usize, storage: Storage) -> Vec<f32> {
    let channels = coeffs.len() / 2;
    let per_step = channels * neurons;
    let mut output = vec![0.0; steps * per_step];
    for k in 0..channels {
        let (p_c, decay) = (coeffs[k], coeffs[channels + k]);
        for n in 0..neurons {
            let i = k * neurons + n;
            let mut g = initial[i];
            for t in 0..steps {
                g = storage.round(step(g, input[t * neurons + n], p_c, decay, g_max));
                output[t * per_step + i] = g;
            }
        }
    }
    output
}

/// The reverse scan: `[T + 3, K, N]` f32 rows holding, per channel, dL/dδ_t's share (rows
/// 0..T, summed over K by the caller), dL/dG₀ (row T) and each node's share of dL/dP_c and
/// dL/dd (rows T + 1, T + 2, summed over N by the caller).
///
/// With a the adjoint of G_t (the loss's gradient plus what later steps pass back):
/// dG_t/dδ_t = P_c·(G_max − G_{t−1}), dG_t/dP_c = (G_max − G_{t−1})·δ_t, dG_t/dd = G_{t−1} and
/// dG_t/dG_{t−1} = d − P_c·δ_t.
pub fn backward(
    input: &[f32],
    initial: &[f32],
    coeffs: &[f32],
    output: &[f32],
    grad_output: &[f32],
    g_max: f32,
    steps: usize,
    neurons: usize,
) -> Vec<f32> {
    let channels = coeffs.len() / 2;
    let per_step = channels * neurons;
    let mut grads = vec![0.0; (steps + 3) * per_step];
    for k in 0..channels {
        let (p_c, decay) = (coeffs[k], coeffs[channels + k]);
        for n in 0..neurons {
            let i = k * neurons + n;
            let (mut adjoint, mut d_p, mut d_decay) = (0.0f32, 0.0f32, 0.0f32);
            for t in (0..steps).rev() {
                adjoint += grad_output[t * per_step + i];
                let previous = if t == 0 { initial[i] } else { output[(t - 1) * per_step + i] };
                let delta = input[t * neurons + n];
                let gap = g_max - previous;
                grads[t * per_step + i] = adjoint * p_c * gap;
                d_p += adjoint * gap * delta;
                d_decay += adjoint * previous;
                adjoint *= decay - p_c * delta;
            }
            grads[steps * per_step + i] = adjoint;
            grads[(steps + 1) * per_step + i] = d_p;
            grads[(steps + 2) * per_step + i] = d_decay;
        }
    }
    grads
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The golden sequence of the RN-Net recipe: G_max = 1, P_c = 0.5, τ = 5.
    #[test]
    fn golden_sequence() {
        let decay = (-1.0f32 / 5.0).exp();
        let g = forward(&[1.0, 1.0, 0.0, 0.0, 1.0, 0.0], &[0.0], &[0.5, decay], 1.0, 6, 1, Storage::F32);
        for (got, expected) in g.iter().zip([0.5, 0.659365, 0.539843, 0.441986, 0.640874, 0.524704]) {
            assert!((got - expected).abs() < 1e-6, "{g:?}");
        }
    }

    /// The reverse scan against central differences of the forward (the map is
    /// bilinear in each argument, so a small step is accurate).
    #[test]
    fn backward_matches_finite_differences() {
        let (steps, neurons) = (7, 3);
        let input: Vec<f32> = (0..steps * neurons).map(|i| ((i * 5) % 3) as f32 * 0.5).collect();
        let initial = vec![0.1, 0.4, 0.9, 0.0, 0.3, 0.7];
        let coeffs = vec![0.3, 0.6, 0.8, 0.95];
        let weights: Vec<f32> = (0..steps * 2 * neurons).map(|i| ((i * 7) % 5) as f32 - 2.0).collect();
        let loss = |input: &[f32], initial: &[f32], coeffs: &[f32]| -> f64 {
            let g = forward(input, initial, coeffs, 1.0, steps, neurons, Storage::F32);
            g.iter().zip(&weights).map(|(g, w)| (*g * *w) as f64).sum()
        };
        let g = forward(&input, &initial, &coeffs, 1.0, steps, neurons, Storage::F32);
        let grads = backward(&input, &initial, &coeffs, &g, &weights, 1.0, steps, neurons);
        let per_step = 2 * neurons;
        let h = 5e-3f32;
        let numeric = |f: &dyn Fn(f32) -> f64| (f(h) - f(-h)) / (2.0 * h as f64);
        for t in 0..steps {
            for n in 0..neurons {
                let d = numeric(&|e| {
                    let mut x = input.clone();
                    x[t * neurons + n] += e;
                    loss(&x, &initial, &coeffs)
                });
                let analytic = grads[t * per_step + n] + grads[t * per_step + neurons + n];
                assert!((analytic as f64 - d).abs() < 2e-3 * (1.0 + d.abs()), "dδ[{t},{n}] {analytic} vs {d}");
            }
        }
        for i in 0..per_step {
            let d = numeric(&|e| {
                let mut s = initial.clone();
                s[i] += e;
                loss(&input, &s, &coeffs)
            });
            assert!((grads[steps * per_step + i] as f64 - d).abs() < 2e-3 * (1.0 + d.abs()), "dG0[{i}]");
        }
        for (row, offset) in [(steps + 1, 0), (steps + 2, 2)] {
            for k in 0..2 {
                let d = numeric(&|e| {
                    let mut c = coeffs.clone();
                    c[offset + k] += e;
                    loss(&input, &initial, &c)
                });
                let analytic: f32 = grads[row * per_step + k * neurons..row * per_step + (k + 1) * neurons].iter().sum();
                assert!((analytic as f64 - d).abs() < 2e-3 * (1.0 + d.abs()), "coefficient row {row} channel {k}: {analytic} vs {d}");
            }
        }
    }

    #[test]
    fn f16_storage_continues_from_the_stored_value() {
        let decay = (-1.0f32 / 3.0).exp();
        let g = forward(&[1.0, 0.0, 1.0], &[0.0], &[0.37, decay], 1.0, 3, 1, Storage::F16);
        let mut expected = 0.0f32;
        for (t, delta) in [1.0, 0.0, 1.0].into_iter().enumerate() {
            expected = half::f16::from_f32(step(expected, delta, 0.37, decay, 1.0)).to_f32();
            assert_eq!(g[t], expected);
        }
    }
}
