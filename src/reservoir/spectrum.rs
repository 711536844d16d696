//! Power spectra of reservoir states, to see which time scales each layer of a deep reservoir
//! carries (later layers of a series stack are expected to hold slower components).

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// The mean power spectrum of the units of `states`, row-major `[steps, units]`: each unit's
/// series minus its mean, times a (periodic) Hann window, through an FFT of length `steps`;
/// |X_k|² for k = 0 ..= steps/2, averaged over units and normalised to sum 1.
///
/// The result has `steps / 2 + 1` entries; entry k is frequency k / steps cycles per step
/// (0 … 0.5). It is all zeros when there is no power to normalise (constant states, no units,
/// fewer than two steps).
///
/// # Panics
/// When `states.len() != steps × units`.
pub fn power_spectrum(states: &[f32], steps: usize, units: usize) -> Vec<f64> {
    assert!(
        steps.checked_mul(units) == Some(states.len()),
        "power_spectrum: `states` has {} values, expected steps × units = {steps} × {units}",
        states.len()
    );
    let bins = steps / 2 + 1;
    let mut power = vec![0.0; bins];
    if steps < 2 || units == 0 {
        return power;
    }
    // Periodic Hann: the window of spectral analysis (the symmetric one suits filter design).
    let window: Vec<f64> = (0..steps).map(|n| 0.5 * (1.0 - (std::f64::consts::TAU * n as f64 / steps as f64).cos())).collect();
    let fft = FftPlanner::<f64>::new().plan_fft_forward(steps);
    let mut buffer = vec![Complex::new(0.0, 0.0); steps];
    for unit in 0..units {
        let series = || states.iter().skip(unit).step_by(units).map(|v| f64::from(*v));
        let mean = series().sum::<f64>() / steps as f64;
        for ((slot, value), w) in buffer.iter_mut().zip(series()).zip(&window) {
            *slot = Complex::new((value - mean) * w, 0.0);
        }
        fft.process(&mut buffer);
        for (p, x) in power.iter_mut().zip(&buffer) {
            *p += x.norm_sqr();
        }
    }
    // One-sided: every bin but DC (and Nyquist, for even lengths) also stands for its negative
    // frequency.
    let mirrored = if steps.is_multiple_of(2) { 1..bins - 1 } else { 1..bins };
    for p in &mut power[mirrored] {
        *p *= 2.0;
    }
    let total: f64 = power.iter().sum();
    if total > 0.0 && total.is_finite() {
        for p in &mut power {
            *p /= total;
        }
    } else {
        power.fill(0.0);
    }
    power
}

/// The power-weighted mean frequency `Σ f_k·P_k / Σ P_k` of a spectrum from
/// [`power_spectrum`], with f_k = k / (2·(len − 1)) cycles per step (0 … 0.5; exactly
/// k / steps when `steps` was even). NaN when the spectrum has no power or fewer than two
/// entries.
pub fn spectral_centroid(spectrum: &[f64]) -> f64 {
    if spectrum.len() < 2 {
        return f64::NAN;
    }
    let top = 2.0 * (spectrum.len() - 1) as f64;
    let total: f64 = spectrum.iter().sum();
    let weighted: f64 = spectrum.iter().enumerate().map(|(k, p)| k as f64 / top * p).sum();
    if total > 0.0 { weighted / total } else { f64::NAN }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `units` sines of `frequency` cycles per step, each with its own phase, row-major.
    fn sines(steps: usize, units: usize, frequency: f64) -> Vec<f32> {
        let mut states = Vec::with_capacity(steps * units);
        for t in 0..steps {
            for u in 0..units {
                let phase = u as f64 * 0.7;
                states.push((std::f64::consts::TAU * frequency * t as f64 + phase).sin() as f32 + 0.3);
            }
        }
        states
    }

    #[test]
    fn a_sine_peaks_at_its_frequency() {
        let steps = 1000;
        let spectrum = power_spectrum(&sines(steps, 3, 0.1), steps, 3);
        assert_eq!(spectrum.len(), 501);
        assert!((spectrum.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let peak = spectrum.iter().enumerate().fold((0, 0.0), |best, (k, p)| if *p > best.1 { (k, *p) } else { best }).0;
        assert_eq!(peak, 100);
        let centroid = spectral_centroid(&spectrum);
        assert!((centroid - 0.1).abs() < 0.005, "centroid {centroid}");
    }

    #[test]
    fn a_slower_sine_has_a_lower_centroid() {
        let steps = 800;
        let fast = spectral_centroid(&power_spectrum(&sines(steps, 4, 0.1), steps, 4));
        let slow = spectral_centroid(&power_spectrum(&sines(steps, 4, 0.02), steps, 4));
        assert!(slow < fast && (slow - 0.02).abs() < 0.005, "slow {slow}, fast {fast}");
    }

    #[test]
    fn constant_states_have_no_power() {
        let spectrum = power_spectrum(&[1.0; 40], 20, 2);
        assert!(spectrum.iter().all(|p| *p == 0.0));
        assert!(spectral_centroid(&spectrum).is_nan());
    }
}
