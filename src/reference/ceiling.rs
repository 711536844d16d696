//! CPU reference of the FMA probe (the copy probe's reference is the identity).

use crate::kernels::ceiling::FMA_ITERATIONS;

/// Output of FMA-probe invocation `i`.
pub fn fma_reference(i: u32) -> f32 {
    let x = (i % 1024) as f32 * 1.0e-4;
    let mut a = [1.0f32, 0.5, 0.25, 0.125];
    for _ in 0..FMA_ITERATIONS {
        for v in a.iter_mut() {
            *v = v.mul_add(0.999, x);
        }
    }
    a[0] + a[1] + a[2] + a[3]
}
