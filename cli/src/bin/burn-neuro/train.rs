//! `burn-neuro train`: train a spiking network end to end, in half precision by default.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use burn_neuro::SavedState;
use burn_neuro::adapters::list_adapters;
use burn_neuro_cli::dse::{Architecture, Cnn};
use burn_neuro_cli::train::data::{Dataset, idx, synthetic};
use burn_neuro_cli::train::mif::MifMlp;
use burn_neuro_cli::train::model::{Csnn, SnnMlp};
use burn_neuro_cli::train::run::{EpochMetrics, LossKind, Optimization, Progress, TrainOutcome, TrainSettings, train_on};
use indicatif::{ProgressBar, ProgressStyle};

use crate::backend::BackendArg;
use crate::lowbit::{self, LowBitArgs};
use crate::on_chip::{self, OnChipArgs};
use crate::rn_net::{self, RnNetArgs};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Precision {
    F16,
    F32,
}

/// How several devices share the training.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Strategy {
    /// Model forked per device, gradients gathered and summed by the optimizer step.
    MultiDevice,
    /// Burn's DistributedContext: gradients all-reduced inside `backward()`.
    Ddp,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ModelKind {
    /// snnTorch tutorial 5: 784-1000-10 fully connected, Leaky β = 0.95.
    Mlp,
    /// snnTorch tutorial 6: rate-coded input, two conv layers + Leaky, β = 0.5, ce_rate_loss.
    Cnn,
    /// LeNet-5 (aihwkit's LeNet5 example, tanh, not spiking), digital or trained on chip
    /// (`--on-chip`); f32, plain SGD.
    Lenet,
    /// The QSNN / threshold-annealing papers' conv SNN (16C5-AP2-BN-Leaky-64C5-AP2-BN-Leaky-
    /// FC10-Leaky) with quantized or binarized weights; hyper-parameters from `--recipe`.
    LowbitCnn,
    /// MEMprop: 784 → hidden → 10 memristive integrate-and-fire neurons, exact BPTT (no
    /// surrogate), loss Σ_t NLL(log_softmax(v_t)), prediction by peak membrane; f32 only.
    MifMlp,
    /// The design-space exploration's plain CNN (conv 1→8, 8→16 /2, 16→32 /2, fc), not
    /// spiking; f32, Adam. Its checkpoint feeds `burn-neuro dse --dense`.
    DenseCnn,
    /// The exploration's depthwise-separable CNN (MobileNet-style blocks), not spiking; f32,
    /// Adam. Its checkpoint feeds `burn-neuro dse --separable`.
    SeparableCnn,
    /// RN-Net on event streams (generated gestures, or DVS128 Gesture from tonic's cache with
    /// --data): reservoir nodes → conv blocks → reservoir → linear, trained next to the same CNN
    /// on summed frames; confusion matrices of both. f32 only.
    RnNet,
}

#[derive(clap::Args)]
pub struct TrainArgs {
    /// MNIST folder (standard IDX file names, gzip or plain). Default: generated digits.
    #[arg(long)]
    data: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "mlp")]
    model: ModelKind,
    /// Hidden neurons of mlp (default 1000) and mif-mlp (default 100).
    #[arg(long)]
    hidden: Option<usize>,
    /// Compute precision (parameters stay f32). Default: f16 on a GPU, f32 on the CPU path (its f16 is emulated); f32 for lenet (crossbar reads are f32).
    #[arg(long, value_enum)]
    precision: Option<Precision>,
    /// Train the same model in f16 and in f32 with the same seed and report both.
    #[arg(long)]
    compare_precision: bool,
    #[arg(long, default_value_t = 1)]
    epochs: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// `auto`: a hardware GPU where wgpu finds one, else the CPU path (software rasterizers
    /// such as llvmpipe/lavapipe, WARP or SwiftShader train several times slower than it);
    /// `gpu` (Burn's default wgpu adapter, software or not), an adapter index from
    /// `burn-neuro info`, or `cpu`.
    #[arg(long, default_value = "auto")]
    device: String,
    /// Data-parallel training on several devices, comma-separated, each as `--device` takes
    /// it (e.g. `--devices 0,1` for two adapters of `burn-neuro info`, `cpu`, or
    /// `remote:ws://HOST:PORT`): every batch is split evenly across them and Burn's multi-device
    /// optimizer step sums their gradients, so the update is the one-device update. mlp, cnn,
    /// lowbit-cnn, mif-mlp, dense-cnn and separable-cnn.
    #[arg(long, value_delimiter = ',', num_args = 1.., conflicts_with = "device")]
    devices: Vec<String>,
    /// `ddp` asks for Burn's distributed data parallel (gradients all-reduced inside the
    /// backward pass), which needs a backend with collective operations; `multi-device` (the
    /// default with `--devices`) works on every device.
    #[arg(long, value_enum, default_value = "multi-device")]
    strategy: Strategy,
    /// Graphics API for `--device gpu`: its first adapter (default: wgpu's choice).
    #[arg(long, value_enum, default_value = "auto")]
    backend: BackendArg,
    /// Examples per batch (default: 128; 32 for lenet).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learning rate: Adam's (default 5e-4 for mlp, 1e-2 for cnn, as in snnTorch's tutorials;
    /// Adam runs with PyTorch's defaults β = (0.9, 0.999), ε = 1e-8, not Burn's ε = 1e-5),
    /// SGD's for lenet (default 0.1), the recipe's for lowbit-cnn.
    #[arg(long)]
    lr: Option<f64>,
    /// Time steps per example (default 25; the recipe's 100 for lowbit-cnn).
    #[arg(long)]
    steps: Option<usize>,
    /// Use at most this many training / test examples (default: all; generated: 3000 / 1000).
    #[arg(long)]
    train_size: Option<usize>,
    #[arg(long)]
    test_size: Option<usize>,
    /// Folder for metrics, charts and the checkpoint.
    #[arg(long, default_value = "train-results")]
    out: PathBuf,
    /// Continue from the checkpoint in `--out`.
    #[arg(long)]
    resume: bool,
    /// Memory-light BPTT: the neurons keep only bit-packed spikes and f16 states for the
    /// backward pass, and the MLP's second layer its input spikes as bits.
    #[arg(long)]
    memory_light: bool,
    #[command(flatten)]
    on_chip: OnChipArgs,
    #[command(flatten)]
    lowbit: LowBitArgs,
}

pub(crate) struct Bar {
    pub(crate) bar: ProgressBar,
    epochs: usize,
}

impl Bar {
    /// A bar over the batches of each of `epochs` epochs, printing a line per epoch.
    pub(crate) fn new(epochs: usize) -> Bar {
        let bar = ProgressBar::new(1);
        bar.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}").expect("valid template").progress_chars("=> "));
        Bar { bar, epochs }
    }
}

impl Progress for Bar {
    fn epoch_start(&mut self, epoch: usize, batches: usize) {
        self.bar.reset();
        self.bar.set_length(batches as u64);
        self.bar.set_prefix(format!("epoch {}/{}", epoch + 1, self.epochs));
    }
    fn batch(&mut self, loss: f64, accuracy: f64) {
        self.bar.set_message(format!("loss {loss:.4} acc {:.1}%", 100.0 * accuracy));
        self.bar.inc(1);
    }
    fn epoch_end(&mut self, m: &EpochMetrics) {
        let held = m.held_for_backward_bytes.map_or(String::new(), |b| format!(", {:.1} MiB held for backward", b as f64 / (1u64 << 20) as f64));
        let line = format!(
            "epoch {}: train loss {:.4}, train acc {:.2}%, test acc {:.2}%, {:.1} s{held}",
            m.epoch + 1,
            m.train_loss,
            100.0 * m.train_accuracy,
            100.0 * m.test_accuracy,
            m.seconds
        );
        // A hidden bar (no terminal) drops println: print directly then.
        if self.bar.is_hidden() {
            println!("{line}");
        } else {
            self.bar.println(line);
        }
    }
}

/// The token a remote server asks for (`BURN_NEURO_TOKEN`; unset or empty: none).
#[cfg(feature = "remote")]
pub(crate) fn remote_token() -> Option<String> {
    std::env::var("BURN_NEURO_TOKEN").ok().filter(|t| !t.is_empty())
}

/// The device `--device` names, and whether it is the CPU path.
pub(crate) fn device(spec: &str, backend: BackendArg) -> Result<(Device, bool), String> {
    if let Some(url) = spec.strip_prefix("remote:") {
        #[cfg(feature = "remote")]
        return burn_neuro::remote::connect(url, remote_token().as_deref()).map(|d| (d, false)).map_err(|e| format!("--device {spec}: {e}"));
        #[cfg(not(feature = "remote"))]
        return Err(format!("--device {spec}: this build has no remote devices (build with `--features remote`); {url} was not contacted"));
    }
    match spec {
        "cpu" => Ok((Device::flex(), true)),
        "auto" => {
            let adapters: Vec<_> = list_adapters().into_iter().filter(|a| backend.admits(a)).collect();
            // wgpu reports software rasterizers as `DeviceType::Cpu`.
            if adapters.iter().any(|a| a.device_type != "Cpu") {
                return Ok((backend.device()?, false));
            }
            let found = match adapters.first() {
                None => "no GPU adapter".to_string(),
                Some(_) => {
                    let mut names: Vec<&str> = adapters.iter().map(|a| a.name.as_str()).collect();
                    names.dedup();
                    format!("only software rasterizers ({})", names.join(", "))
                }
            };
            println!("device: {found}; running on the CPU path, several times faster than a rasterizer (--device gpu to use one)");
            Ok((Device::flex(), true))
        }
        "gpu" => {
            if list_adapters().is_empty() {
                return Err("--device gpu: wgpu found no adapter (use --device cpu, or install a GPU driver / mesa-vulkan-drivers)".into());
            }
            Ok((backend.device()?, false))
        }
        index => {
            let index: usize =
                index.parse().map_err(|_| format!("--device {index}: expected gpu, cpu, auto, an adapter index or remote:ws://HOST:PORT"))?;
            let adapters = list_adapters();
            let adapter = adapters.get(index).ok_or_else(|| format!("--device {index}: no such adapter (valid: 0..{})", adapters.len()))?;
            Ok((adapter.device()?, false))
        }
    }
}

/// An error of [`device`] (which names `--device`) as one of a `--devices` list.
pub(crate) fn in_device_list(error: &str) -> String {
    match error.strip_prefix("--device ") {
        Some(rest) => format!("--devices {rest}"),
        None => format!("--devices: {error}"),
    }
}

/// The devices to train on (`--devices`, else `--device`), and whether any is the CPU path
/// (whose f16 is emulated: f32 is then the default precision).
fn training_devices(args: &TrainArgs) -> Result<(Vec<Device>, bool), String> {
    if args.strategy == Strategy::Ddp {
        // Burn 0.22 all-reduces only through NCCL on CUDA; on wgpu and the CPU its collective
        // panics in a background thread at the first backward pass.
        return Err("--strategy ddp: Burn's distributed data parallel needs all-reduce, which Burn 0.22 implements only on CUDA \
                    (NCCL), and burn-neuro's kernels run on wgpu and the CPU; use --strategy multi-device (the default)"
            .into());
    }
    if args.devices.is_empty() {
        let (device, on_cpu) = device(&args.device, args.backend)?;
        return Ok((vec![device], on_cpu));
    }
    let mut devices = Vec::with_capacity(args.devices.len());
    let mut on_cpu = false;
    for spec in &args.devices {
        if spec == "auto" {
            return Err("--devices: name each device (an adapter index, gpu, cpu or remote:ws://HOST:PORT), not auto".into());
        }
        let (device, cpu) = device(spec, args.backend).map_err(|e| in_device_list(&e))?;
        if devices.contains(&device) {
            return Err(format!("--devices: {spec} names a device already listed; each device takes one share"));
        }
        on_cpu |= cpu;
        devices.push(device);
    }
    if devices.len() > 1 {
        println!("data-parallel on {} devices: {}", devices.len(), devices.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>().join(", "));
    }
    Ok((devices, on_cpu))
}

fn datasets(args: &TrainArgs) -> Result<(Dataset, Dataset), String> {
    let (train, test) = match &args.data {
        Some(dir) => idx::load_mnist_dir(dir).map_err(|e| format!("--data {e}"))?,
        None => (synthetic::digits(3000, args.seed), synthetic::digits(1000, args.seed ^ 0x5EED)),
    };
    let (train, test) = (args.train_size.map_or(train.clone(), |n| train.truncated(n)), args.test_size.map_or(test.clone(), |n| test.truncated(n)));
    if train.is_empty() || test.is_empty() {
        return Err("the training and test sets must not be empty".into());
    }
    if matches!(args.model, ModelKind::Cnn | ModelKind::Lenet | ModelKind::LowbitCnn) && (train.rows, train.cols) != (28, 28) {
        return Err(format!("--model {} needs 28×28 images, the data has {}×{}", model_name(args.model), train.rows, train.cols));
    }
    Ok((train, test))
}

fn model_name(model: ModelKind) -> &'static str {
    match model {
        ModelKind::Mlp => "mlp",
        ModelKind::Cnn => "cnn",
        ModelKind::Lenet => "lenet",
        ModelKind::LowbitCnn => "lowbit-cnn",
        ModelKind::MifMlp => "mif-mlp",
        ModelKind::RnNet => "rn-net",
        ModelKind::DenseCnn => "dense-cnn",
        ModelKind::SeparableCnn => "separable-cnn",
    }
}

fn learning_rate(args: &TrainArgs) -> Result<f64, String> {
    Ok(args.lr.unwrap_or(match args.model {
        ModelKind::Mlp => 5e-4,
        ModelKind::Cnn => 1e-2,
        ModelKind::Lenet => 0.1,
        ModelKind::LowbitCnn => args.lowbit.recipe()?.learning_rate,
        ModelKind::MifMlp | ModelKind::RnNet => 1e-3,
        ModelKind::DenseCnn | ModelKind::SeparableCnn => 3e-3,
    }))
}

fn batch_size(args: &TrainArgs) -> Result<usize, String> {
    Ok(args.batch_size.unwrap_or(match args.model {
        ModelKind::Lenet => 32,
        ModelKind::LowbitCnn => args.lowbit.recipe()?.batch_size,
        ModelKind::RnNet => 32,
        ModelKind::DenseCnn | ModelKind::SeparableCnn => 64,
        _ => 128,
    }))
}

fn steps(args: &TrainArgs) -> Result<usize, String> {
    Ok(match (args.model, args.steps) {
        (ModelKind::Lenet | ModelKind::DenseCnn | ModelKind::SeparableCnn, _) => 1,
        (_, Some(steps)) => steps,
        (ModelKind::LowbitCnn, None) => args.lowbit.recipe()?.steps,
        // The MIF's time constants are 100 steps: one spike takes about 50.
        (ModelKind::MifMlp, None) => 100,
        // Time bins per event sample.
        (ModelKind::RnNet, None) => 32,
        (_, None) => 25,
    })
}

/// The requested precision, or the model's default.
/// The compute precision: `--precision`, else f32 on the CPU path (its f16 is emulated, slower
/// than f32) and f16 on a GPU.
fn precision(args: &TrainArgs, on_cpu: bool) -> Result<Precision, String> {
    match (args.model, args.precision) {
        (ModelKind::Lenet, Some(Precision::F16)) => Err("--model lenet trains in f32 (crossbar reads are f32); drop --precision f16".into()),
        (ModelKind::Lenet, _) => Ok(Precision::F32),
        (ModelKind::MifMlp, Some(Precision::F16)) => {
            Err("--model mif-mlp trains in f32 (the MIF's currents and conductances need f32); drop --precision f16".into())
        }
        (ModelKind::MifMlp, _) => Ok(Precision::F32),
        (ModelKind::DenseCnn | ModelKind::SeparableCnn, Some(Precision::F16)) => {
            Err("--model dense-cnn / separable-cnn train in f32 (their crossbar reads are f32); drop --precision f16".into())
        }
        (ModelKind::DenseCnn | ModelKind::SeparableCnn, _) => Ok(Precision::F32),
        (_, Some(precision)) => Ok(precision),
        (_, None) if on_cpu => Ok(Precision::F32),
        (_, None) => Ok(Precision::F16),
    }
}

fn run_one(
    args: &TrainArgs,
    precision: Precision,
    devices: &[Device],
    train_set: &Dataset,
    test_set: &Dataset,
    out: PathBuf,
) -> Result<TrainOutcome, String> {
    let recipe = if args.model == ModelKind::LowbitCnn { Some(args.lowbit.recipe()?) } else { None };
    let settings = TrainSettings {
        model: match args.model {
            ModelKind::Mlp => "mlp".into(),
            ModelKind::Cnn => "cnn".into(),
            ModelKind::Lenet => args.on_chip.run_name(),
            ModelKind::LowbitCnn => format!("lowbit-cnn:{}", args.lowbit.run_name()?),
            ModelKind::MifMlp => "mif-mlp".into(),
            ModelKind::RnNet => "rn-net".into(),
            ModelKind::DenseCnn | ModelKind::SeparableCnn => model_name(args.model).into(),
        },
        precision: match precision {
            Precision::F16 => "F16",
            Precision::F32 => "F32",
        }
        .into(),
        epochs: args.epochs,
        seed: args.seed,
        batch_size: batch_size(args)?,
        learning_rate: learning_rate(args)?,
        steps: steps(args)?,
        saved_state: if args.memory_light { SavedState::Compact } else { SavedState::Full },
        loss: match &recipe {
            // Both papers' loss: snnTorch's mse_count_loss(0.8, 0.2).
            Some(_) => LossKind::MseCount { correct_rate: 0.8, incorrect_rate: 0.2 },
            None if args.model == ModelKind::Cnn => LossKind::CeRate,
            None => LossKind::MembraneCe,
        },
        cosine_t_max: match &recipe {
            Some(recipe) => args.lowbit.cosine_t_max(recipe),
            None => None,
        },
        grad_clip: recipe.as_ref().and_then(|r| r.grad_clip.then_some(1.0)),
        weight_clip: recipe.as_ref().and_then(|r| r.weight_clip.then_some(1.0)),
    };
    if precision == Precision::F16 {
        if let Some(index) = devices.iter().position(|d| !d.supports_dtype(burn::tensor::DType::F16)) {
            let which = if devices.len() > 1 { format!("device {index} of --devices ({:?})", devices[index]) } else { "this adapter".into() };
            return Err(format!("--precision f16: {which} lacks SHADER_F16 (16-bit float shaders); use --precision f32"));
        }
    }
    let device = &devices[0];
    if devices.len() > 1 && matches!(args.model, ModelKind::Lenet | ModelKind::RnNet) {
        return Err(format!(
            "--devices: data-parallel training covers mlp, cnn, lowbit-cnn, mif-mlp, dense-cnn and separable-cnn, not --model {}",
            model_name(args.model)
        ));
    }
    let mut progress = Bar::new(args.epochs);
    // Same seed, same initial weights, whatever the precision.
    device.seed(args.seed);
    let (resume, bar) = (args.resume, &mut progress);
    let outcome = match args.model {
        ModelKind::Mlp => {
            let model = SnnMlp::new(train_set.pixels(), args.hidden.unwrap_or(1000), 10, device);
            train_on(model, train_set, test_set, &settings, devices, &out, resume, bar, Optimization::adam())
        }
        ModelKind::Cnn => train_on(Csnn::new(10, device), train_set, test_set, &settings, devices, &out, resume, bar, Optimization::adam()),
        ModelKind::MifMlp => {
            let model = MifMlp::new(train_set.pixels(), args.hidden.unwrap_or(100), 10, device);
            train_on(model, train_set, test_set, &settings, devices, &out, resume, bar, Optimization::adam())
        }
        ModelKind::Lenet => on_chip::train_lenet(&args.on_chip, train_set, test_set, &settings, device, &out, resume, bar),
        ModelKind::RnNet => Err("--model rn-net runs through its own loop".into()),
        ModelKind::DenseCnn | ModelKind::SeparableCnn => {
            let architecture = if args.model == ModelKind::DenseCnn { Architecture::Dense } else { Architecture::Separable };
            let model = Cnn::new(architecture, train_set.channels, [train_set.rows, train_set.cols], device);
            train_on(model, train_set, test_set, &settings, devices, &out, resume, bar, Optimization::adam())
        }
        ModelKind::LowbitCnn => match &recipe {
            Some(recipe) => lowbit::train_lowbit(recipe, train_set, test_set, &settings, devices, &out, resume, bar),
            None => Err("--model lowbit-cnn needs a recipe".into()),
        },
    };
    progress.bar.finish_and_clear();
    outcome
}

impl TrainArgs {
    /// What `--model rn-net` takes from the shared flags (it refuses the others).
    fn rn_net_args(&self) -> Result<RnNetArgs, String> {
        let refused = [
            (self.hidden.is_some(), "--hidden"),
            (self.precision == Some(Precision::F16), "--precision f16"),
            (self.compare_precision, "--compare-precision"),
            (self.resume, "--resume"),
            (self.memory_light, "--memory-light"),
            (self.on_chip.is_on(), "--on-chip"),
            (self.lowbit.is_set(), "--recipe and the low-bit flags"),
        ];
        if let Some((_, flag)) = refused.iter().find(|(set, _)| *set) {
            return Err(format!("{flag}: not available with --model rn-net (f32, trained from scratch, no checkpoint resume)"));
        }
        Ok(RnNetArgs {
            data: self.data.clone(),
            epochs: self.epochs,
            seed: self.seed,
            batch_size: batch_size(self)?,
            learning_rate: learning_rate(self)?,
            bins: steps(self)?,
            train_size: self.train_size,
            test_size: self.test_size,
            out: self.out.clone(),
        })
    }
}

pub fn run_command(args: TrainArgs) -> Result<(), String> {
    if args.epochs == 0 || batch_size(&args)? == 0 || steps(&args)? == 0 {
        return Err("--epochs, --batch-size and --steps must be at least 1".into());
    }
    if args.model == ModelKind::RnNet {
        return rn_net::run(&args.rn_net_args()?, device(&args.device, args.backend)?.0);
    }
    if args.model == ModelKind::MifMlp {
        if args.compare_precision {
            return Err("--compare-precision: --model mif-mlp trains in f32 only".into());
        }
        if args.memory_light {
            return Err("--memory-light: the MIF backward reads its full state trajectory; drop it for --model mif-mlp".into());
        }
        // The bounded drive keeps the explicit update finite for this many steps (tested in the
        // CPU reference); longer runs could diverge.
        if steps(&args)? > burn_neuro_cli::train::mif::MAX_STEPS {
            return Err(format!("--steps: --model mif-mlp is tested stable up to {} steps", burn_neuro_cli::train::mif::MAX_STEPS));
        }
    }
    match (args.model, args.hidden) {
        (_, Some(0)) => return Err("--hidden must be at least 1".into()),
        (ModelKind::Mlp | ModelKind::MifMlp, _) | (_, None) => {}
        (model, Some(_)) => return Err(format!("--hidden sizes the mlp and mif-mlp models, not --model {}", model_name(model))),
    }
    if args.model != ModelKind::LowbitCnn && args.lowbit.is_set() {
        return Err("--recipe, --weight-bits, --binarize, --threshold-anneal, --lr-schedule and --t-max configure --model lowbit-cnn".into());
    }
    let lr = learning_rate(&args)?;
    if !(lr > 0.0 && lr.is_finite()) {
        return Err(format!("--lr {lr}: must be a positive number"));
    }
    if args.model == ModelKind::LowbitCnn && lr > 1.0 && args.lowbit.cosine_t_max(&args.lowbit.recipe()?).is_some() {
        return Err(format!("--lr {lr}: the cosine schedule takes a rate of at most 1 (or use --lr-schedule constant)"));
    }
    let (devices, on_cpu) = training_devices(&args)?;
    // f16 everywhere or nowhere: a device without f16 shaders (a GL adapter, a replica of
    // --devices) makes f32 the default.
    let lacks_f16 = devices.iter().any(|d| !d.supports_dtype(burn::tensor::DType::F16));
    if lacks_f16 && args.precision.is_none() && !on_cpu {
        println!("precision: f32, since {} lacks f16 shaders (SHADER_F16)", if devices.len() > 1 { "a device of --devices" } else { "the device" });
    }
    let precision = precision(&args, on_cpu || lacks_f16)?;
    if args.model != ModelKind::Lenet && args.on_chip.is_on() {
        return Err("--on-chip trains crossbar layers: use it with --model lenet".into());
    }
    if matches!(args.model, ModelKind::DenseCnn | ModelKind::SeparableCnn) && args.compare_precision {
        return Err(format!("--compare-precision: --model {} trains in f32 only", model_name(args.model)));
    }
    if args.model == ModelKind::Lenet && args.compare_precision {
        return Err("--compare-precision: --model lenet trains in f32 only".into());
    }
    let (train_set, test_set) = datasets(&args)?;
    let source = args.data.as_ref().map_or("generated digits".to_string(), |d| d.display().to_string());
    println!("training on {} ({} train / {} test examples)", source, train_set.len(), test_set.len());
    if args.compare_precision {
        let start = Instant::now();
        let f32_run = run_one(&args, Precision::F32, &devices, &train_set, &test_set, args.out.join("f32"))?;
        let f16_run = run_one(&args, Precision::F16, &devices, &train_set, &test_set, args.out.join("f16"))?;
        println!(
            "f32: test accuracy {:.2}% in {:.1} s; f16: test accuracy {:.2}% in {:.1} s; f16 speed {:.2}× f32; difference {:+.2} points ({:.1} s total)",
            100.0 * f32_run.test_accuracy,
            f32_run.seconds,
            100.0 * f16_run.test_accuracy,
            f16_run.seconds,
            f32_run.seconds / f16_run.seconds,
            100.0 * (f16_run.test_accuracy - f32_run.test_accuracy),
            start.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let outcome = run_one(&args, precision, &devices, &train_set, &test_set, args.out.clone())?;
    if let Some(last) = outcome.metrics.last().filter(|m| !m.layers.is_empty()) {
        let layers: Vec<String> = last
            .layers
            .iter()
            .map(|l| {
                let threshold = l.threshold.map_or(String::new(), |t| format!(", θ {t:.4}"));
                format!("{} {:.1} ({:.2}% per neuron per step{threshold})", l.layer, l.spikes_per_example, 100.0 * l.firing_rate)
            })
            .collect();
        println!("spikes per test example: {}", layers.join("; "));
    }
    println!(
        "test accuracy: {:.2}% ({}, {} epoch(s), {:.1} s); metrics and charts in {}",
        100.0 * outcome.test_accuracy,
        if args.model == ModelKind::Lenet {
            args.on_chip.run_name()
        } else if precision == Precision::F16 {
            "f16".into()
        } else {
            "f32".into()
        },
        outcome.metrics.len(),
        outcome.seconds,
        args.out.display()
    );
    if let Some(devices) = outcome.metrics.iter().filter_map(|m| m.devices.as_ref()).next_back() {
        let updates: u64 = outcome.metrics.iter().filter_map(|m| m.devices.as_ref()).map(|d| d.weight_updates).sum();
        println!(
            "devices: {} written {} times in {} weight updates ({:.3}% of updates write a device), {} pulses",
            devices.devices,
            devices.total_writes,
            updates,
            100.0 * devices.total_writes as f64 / updates.max(1) as f64,
            devices.total_pulses
        );
    }
    if args.model == ModelKind::Lenet {
        on_chip::robustness(&args.on_chip, &test_set, batch_size(&args)?, &devices[0], &args.out)?;
    }
    Ok(())
}
