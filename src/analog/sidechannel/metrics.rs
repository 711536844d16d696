//! Image similarity: SSIM (Wang et al. 2004), PSNR and Pearson correlation, on the host in f64.

/// Mean SSIM of two `[height, width]` images with values in [0, 1]: an 11×11 Gaussian window
/// (σ 1.5, truncated at the border), C1 = (0.01)², C2 = (0.03)², as scikit-image's
/// `structural_similarity(gaussian_weights=True, data_range=1)`.
pub fn ssim(a: &[f32], b: &[f32], height: usize, width: usize) -> f64 {
    assert_eq!(a.len(), height * width, "image a");
    assert_eq!(b.len(), height * width, "image b");
    const RADIUS: isize = 5;
    let weights: Vec<f64> = (-RADIUS..=RADIUS).map(|d| (-(d * d) as f64 / (2.0 * 1.5 * 1.5)).exp()).collect();
    // Separable: along rows, then along columns, renormalising the window where it leaves
    // the image. `step` is the index distance between neighbours along the axis.
    let along = |values: &[f64], len: usize, step: usize, position: &dyn Fn(usize) -> usize| -> Vec<f64> {
        (0..height * width)
            .map(|i| {
                let at = position(i) as isize;
                let (mut sum, mut norm) = (0.0, 0.0);
                for (k, w) in weights.iter().enumerate() {
                    let other = at + k as isize - RADIUS;
                    if (0..len as isize).contains(&other) {
                        sum += w * values[(i as isize + (other - at) * step as isize) as usize];
                        norm += w;
                    }
                }
                sum / norm
            })
            .collect()
    };
    let blur = |image: &dyn Fn(usize) -> f64| -> Vec<f64> {
        let values: Vec<f64> = (0..height * width).map(image).collect();
        let rows = along(&values, width, 1, &|i| i % width);
        along(&rows, height, width, &|i| i / width)
    };
    let (fa, fb) = (|i: usize| f64::from(a[i]), |i: usize| f64::from(b[i]));
    let mu_a = blur(&fa);
    let mu_b = blur(&fb);
    let aa = blur(&|i| fa(i) * fa(i));
    let bb = blur(&|i| fb(i) * fb(i));
    let ab = blur(&|i| fa(i) * fb(i));
    let (c1, c2) = (1e-4, 9e-4);
    let total: f64 = (0..height * width)
        .map(|i| {
            let (va, vb, cov) = (aa[i] - mu_a[i] * mu_a[i], bb[i] - mu_b[i] * mu_b[i], ab[i] - mu_a[i] * mu_b[i]);
            ((2.0 * mu_a[i] * mu_b[i] + c1) * (2.0 * cov + c2)) / ((mu_a[i] * mu_a[i] + mu_b[i] * mu_b[i] + c1) * (va + vb + c2))
        })
        .sum();
    total / (height * width) as f64
}

/// PSNR in dB of `estimate` against `reference`, values in [0, 1] (∞ when equal).
pub fn psnr(estimate: &[f32], reference: &[f32]) -> f64 {
    assert_eq!(estimate.len(), reference.len(), "image sizes");
    let mse = estimate.iter().zip(reference).map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2)).sum::<f64>() / reference.len().max(1) as f64;
    if mse == 0.0 { f64::INFINITY } else { 10.0 * (1.0 / mse).log10() }
}

/// Pearson correlation of two equally long series (0 when either is constant).
pub fn pearson(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "series lengths");
    let n = a.len().max(1) as f64;
    let (ma, mb) = (a.iter().map(|v| f64::from(*v)).sum::<f64>() / n, b.iter().map(|v| f64::from(*v)).sum::<f64>() / n);
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (f64::from(*x) - ma, f64::from(*y) - mb);
        cov += dx * dy;
        va += dx * dx;
        vb += dy * dy;
    }
    if va == 0.0 || vb == 0.0 { 0.0 } else { cov / (va * vb).sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_images_score_one_and_noise_lowers_it() {
        let (h, w) = (16, 12);
        let image: Vec<f32> = (0..h * w).map(|i| ((i * 37) % 17) as f32 / 16.0).collect();
        assert!((ssim(&image, &image, h, w) - 1.0).abs() < 1e-12);
        let noisy: Vec<f32> = image.iter().enumerate().map(|(i, v)| (v + if i % 3 == 0 { 0.3 } else { -0.2 }).clamp(0.0, 1.0)).collect();
        let s = ssim(&noisy, &image, h, w);
        assert!(s < 0.9 && s > 0.0, "{s}");
        assert_eq!(psnr(&image, &image), f64::INFINITY);
        // A uniform error of 0.1: MSE 0.01, 20 dB.
        let shifted: Vec<f32> = vec![0.6; 4];
        assert!((psnr(&shifted, &[0.5; 4]) - 20.0).abs() < 1e-5);
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.5]) - 0.9986).abs() < 1e-3);
        assert_eq!(pearson(&[1.0, 1.0], &[0.0, 1.0]), 0.0);
    }
}
