//! What the snnTorch porting examples share: their command-line options, the data (MNIST IDX
//! files with `--data`, generated digits otherwise), the device, and the one-line report.
//! Each example is a complete training script apart from this plumbing.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use burn_neuro::data::{Dataset, idx, synthetic};

/// Options every example takes: `--data DIR`, `--epochs N`, `--train-size N`, `--test-size N`,
/// `--steps T`, `--batch-size N`, `--lr X`, `--device gpu|cpu`, `--seed N`, `--plots DIR`.
pub struct Options {
    pub data: Option<PathBuf>,
    pub epochs: usize,
    pub train_size: usize,
    pub test_size: usize,
    pub steps: usize,
    pub batch_size: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// The plain device (evaluation); training runs on `device.clone().autodiff()`.
    pub device: Device,
    pub seed: u64,
    /// Where examples that draw pictures write their PNGs (none without `--plots`).
    pub plots: Option<PathBuf>,
    started: Instant,
}

/// Reads the options (the example's defaults where not given); exits with a usage line on a
/// bad one.
pub fn options(example: &str, epochs: usize, steps: usize, batch_size: usize, lr: f64) -> Options {
    let mut options = Options {
        data: None,
        epochs,
        train_size: usize::MAX,
        test_size: usize::MAX,
        steps,
        batch_size,
        lr,
        device: Device::wgpu(Default::default()),
        seed: 42,
        plots: None,
        started: Instant::now(),
    };
    let usage = || -> ! {
        eprintln!(
            "usage: cargo run --release --example {example} -- [--data MNIST_DIR] [--epochs N] [--train-size N] [--test-size N] \
             [--steps T] [--batch-size N] [--lr X] [--device gpu|cpu] [--seed N] [--plots DIR]"
        );
        std::process::exit(2)
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        let number = || value.parse::<usize>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--data" => options.data = Some(PathBuf::from(&value)),
            "--plots" => options.plots = Some(PathBuf::from(&value)),
            "--epochs" => options.epochs = number().max(1),
            "--train-size" => options.train_size = number(),
            "--test-size" => options.test_size = number(),
            "--steps" => options.steps = number().max(1),
            "--batch-size" => options.batch_size = number().max(1),
            "--seed" => options.seed = number() as u64,
            "--lr" => options.lr = value.parse().ok().filter(|lr: &f64| *lr > 0.0).unwrap_or_else(|| usage()),
            "--device" => {
                options.device = match value.as_str() {
                    "gpu" => Device::wgpu(Default::default()),
                    "cpu" => Device::flex(),
                    _ => usage(),
                }
            }
            _ => usage(),
        }
    }
    options
}

impl Options {
    /// The training and test sets: MNIST from `--data`, else 3000 + 1000 generated digits,
    /// cut to `--train-size` / `--test-size`.
    pub fn datasets(&self) -> burn_neuro::Result<(Dataset, Dataset)> {
        let (train, test) = match &self.data {
            Some(dir) => idx::load_mnist_dir(dir)?,
            None => (synthetic::digits(3000, self.seed), synthetic::digits(1000, self.seed ^ 0x5EED)),
        };
        Ok((train.truncated(self.train_size), test.truncated(self.test_size)))
    }

    /// Prints an epoch's line and, after the last, the final line scripts read.
    pub fn report(&self, epoch: usize, loss: f64, accuracy: f64) {
        let seconds = self.started.elapsed().as_secs_f64();
        println!("epoch {}/{}: train loss {loss:.4}, test accuracy {:.2}% ({seconds:.1} s)", epoch + 1, self.epochs, 100.0 * accuracy);
        if epoch + 1 == self.epochs {
            println!("test accuracy: {:.2}% in {seconds:.1} s", 100.0 * accuracy);
        }
    }
}
