//! The study's Markdown report; its verdicts are computed from the numbers.

use std::fmt::Write;

use super::{Point, StudyReport};

/// The point of `countermeasure` at the ρ closest to `noise`.
fn at<'a>(report: &'a StudyReport, countermeasure: &str, noise: f32) -> Option<&'a Point> {
    report.points.iter().filter(|p| p.countermeasure == countermeasure).min_by(|a, b| (a.noise - noise).abs().total_cmp(&(b.noise - noise).abs()))
}

/// The report as Markdown.
pub fn markdown(report: &StudyReport) -> String {
    let mut md = String::new();
    let [channels, kernel, stride] = report.victim;
    let _ = writeln!(md, "# Power side channel: {} ({} encoding)\n", report.data, report.encoding);
    let _ = writeln!(
        md,
        "Victim: a {channels}-channel {kernel}×{kernel} convolution (stride {stride}) on a simulated crossbar, one power sample per \
         crossbar read. The attacker's generator learns from {} simulated (trace, image) pairs and is scored on {} held-out images \
         (their own measurement noise). {:.1} s.\n",
        report.images[0], report.images[1], report.seconds
    );
    let _ = writeln!(
        md,
        "Physics check: with uniform conductances and no noise the trace correlates with the box-filtered input{} at **{:.4}** \
         (Pearson, held-out images).\n",
        if report.encoding == "amplitude" { " squared" } else { "" },
        report.uniform_correlation
    );
    let _ = writeln!(md, "| countermeasure | ρ | raw SSIM | learned SSIM | raw PSNR (dB) | learned PSNR (dB) |");
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for p in &report.points {
        let _ = writeln!(
            md,
            "| {} | {} | {:.3} | {:.3} | {:.2} | {:.2} |",
            p.countermeasure, p.noise, p.raw_ssim, p.learned_ssim, p.raw_psnr, p.learned_psnr
        );
    }
    let _ = writeln!(md);
    if let Some(reference) = at(report, "none", 0.2) {
        let verdict = if reference.learned_ssim > reference.raw_ssim { "beats" } else { "does not beat" };
        let _ = writeln!(
            md,
            "- At ρ = {}: the learned reconstruction {verdict} the raw leak on SSIM ({:.3} vs {:.3}).",
            reference.noise, reference.learned_ssim, reference.raw_ssim
        );
        let mut names: Vec<&str> = report.points.iter().map(|p| p.countermeasure.as_str()).filter(|c| *c != "none").collect();
        names.dedup();
        for name in names {
            if let Some(p) = at(report, name, reference.noise) {
                let _ = writeln!(
                    md,
                    "- {name} at ρ = {}: learned SSIM {:.3} ({:+.3} vs no countermeasure), raw {:.3} ({:+.3}).",
                    p.noise,
                    p.learned_ssim,
                    p.learned_ssim - reference.learned_ssim,
                    p.raw_ssim,
                    p.raw_ssim - reference.raw_ssim
                );
            }
        }
    }
    md
}
