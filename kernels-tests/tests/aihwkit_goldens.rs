//! The crossbar read against outputs written by IBM aihwkit 1.2.0 itself (`data/aihwkit/`,
//! `InferenceRPUConfig` with every noise source off; its README says how they were made): every
//! output equal within 1e-5, or — where float summation order puts a value on an ADC rounding
//! tie — one ADC step off for at most 2% of the outputs. On the GPU and on the CPU.

use burn::tensor::{DType, Device};
use burn_neuro::analog::config::{BoundManagement, NoiseManagement, ProgrammingNoise};
use burn_neuro::analog::{CrossbarConfig, ProgrammedCrossbar};
use kernels_tests::{cpu, gpu, tensor, values};
use serde::Deserialize;

#[derive(Deserialize)]
struct Golden {
    aihwkit: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    #[serde(rename = "W")]
    w: Vec<Vec<f32>>,
    #[serde(rename = "X")]
    x: Vec<Vec<f32>>,
    #[serde(rename = "Y")]
    y: Vec<Vec<f32>>,
    inp_res: f32,
    out_res: f32,
    out_bound: f32,
    noise_management: String,
    bound_management: String,
    weight_scaling_omega: f32,
    weight_scaling_columnwise: bool,
}

/// aihwkit's resolution `1/(2^bits − 2)` as bits.
fn bits(resolution: f32) -> u32 {
    let bits = (1.0 / resolution + 2.0).log2().round() as u32;
    assert!((1.0 / ((1u64 << bits) - 2) as f32 - resolution).abs() < 1e-9, "resolution {resolution} is not 1/(2^b − 2)");
    bits
}

/// `InferenceRPUConfig()` with this case's knobs and every noise source off.
fn config(case: &Case) -> CrossbarConfig {
    let noise_management = match case.noise_management.as_str() {
        "ABS_MAX" => NoiseManagement::AbsMax,
        "NONE" => NoiseManagement::None,
        other => panic!("noise management {other} not in the goldens' vocabulary"),
    };
    let bound_management = match case.bound_management.as_str() {
        "ITERATIVE" => CrossbarConfig::aihwkit_default().bound_management,
        "NONE" => BoundManagement::None,
        other => panic!("bound management {other} not in the goldens' vocabulary"),
    };
    CrossbarConfig::aihwkit_default()
        .with_programming_noise(ProgrammingNoise::None)
        .with_output_noise(0.0)
        .with_input_bits(Some(bits(case.inp_res)))
        .with_output_bits(Some(bits(case.out_res)))
        .with_output_bound(case.out_bound)
        .with_noise_management(noise_management)
        .with_bound_management(bound_management)
        .with_weight_scaling_omega(case.weight_scaling_omega)
        .with_weight_scaling_columnwise(case.weight_scaling_columnwise)
}

fn check_goldens(device: &Device) {
    let golden: Golden = serde_json::from_str(include_str!("../data/aihwkit/io_pipeline.json")).expect("goldens parse");
    assert_eq!(golden.aihwkit, "1.2.0");
    assert_eq!(golden.cases.len(), 8);
    let (mut total, mut stepped) = (0, 0);
    for case in &golden.cases {
        let config = config(case);
        let (outputs, inputs, batch) = (case.w.len(), case.w[0].len(), case.x.len());
        // aihwkit's W is [out, in]; ours is the Linear layout [in, out].
        let w: Vec<f32> = (0..inputs).flat_map(|i| case.w.iter().map(move |row| row[i])).collect();
        let crossbar = ProgrammedCrossbar::program(tensor(w, [inputs, outputs], DType::F32, device), &config).expect("programs");
        let x: Vec<f32> = case.x.concat();
        let got = values(crossbar.read(tensor(x, [batch, inputs], DType::F32, device)).expect("reads"));
        let step = config.output_step() * 16.0 * values(crossbar.gains()).iter().fold(0.0f32, |m, g| m.max(*g));
        for (at, (got, want)) in got.iter().zip(case.y.concat()).enumerate() {
            total += 1;
            let off = (got - want).abs();
            if off > 1e-5 * want.abs().max(1.0) {
                assert!(off <= step * 1.0001, "{}: output {at} is {got}, aihwkit {want} (more than one ADC step apart)", case.name);
                stepped += 1;
            }
        }
    }
    eprintln!("{stepped} of {total} outputs one ADC step from aihwkit's, the rest within 1e-5");
    assert!(stepped as f32 <= 0.02 * total as f32, "{stepped} of {total} outputs one ADC step from aihwkit's");
}

#[test]
fn crossbar_reads_equal_aihwkit_on_the_gpu() {
    check_goldens(&gpu());
}

#[test]
fn crossbar_reads_equal_aihwkit_on_the_cpu() {
    check_goldens(&cpu());
}
