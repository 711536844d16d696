//! The pulsed-update family: one on-chip training update of a device array (every device
//! pulsed k times through the ReRAM soft-bounds model with all its noise), in pulses per second
//! and as a fraction of the copy bandwidth.

use burn::tensor::{DType, Tensor, TensorData};
use burn_neuro::analog::{DeviceArray, PulsedDevice};

use super::super::measure::sample;
use super::super::record::Work;
use super::{Case, Context, pattern, result};

/// Bytes one update moves per device: the pulse count, the held weight and both counters read;
/// both weights and both counters written (f32 each).
const BYTES_PER_DEVICE: f64 = 4.0 * 8.0;

/// Every configured pulse count.
pub fn run(ctx: &mut Context) {
    let devices = ctx.config.pulsed_devices;
    let weights = Tensor::<1>::from_data(TensorData::new(pattern(devices, 1.0, -0.5), [devices]), (&ctx.plain, DType::F32));
    for &pulses in &ctx.config.pulse_counts {
        let mut array = DeviceArray::program(weights.clone(), &PulsedDevice::reram_sb(), 1).expect("valid device array");
        // Alternating directions keep the devices inside their bounds.
        let counts: Vec<f32> = (0..devices).map(|i| if i % 2 == 0 { pulses as f32 } else { -(pulses as f32) }).collect();
        let counts = Tensor::<1>::from_data(TensorData::new(counts, [devices]), (&ctx.plain, DType::F32));
        let samples = sample(&ctx.plain, ctx.warmup, ctx.samples, || {
            array.apply_unchecked(counts.clone());
            array.held_weights::<1>()
        });
        let case = Case {
            family: "pulsed_update",
            variant: "reram_sb",
            pass: "update",
            shape: vec![devices],
            dtype: DType::F32,
            params: vec![("pulses_per_device", pulses as f64)],
            work: Work { bytes: BYTES_PER_DEVICE * devices as f64, flops: 0.0, events: (devices * pulses) as f64 },
        };
        ctx.results.push(result(case, samples, ctx.peaks));
        (ctx.progress)(&format!("pulsed update {pulses} pulses"));
    }
}
