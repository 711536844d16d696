//! The two networks the exploration compares: a plain CNN (every layer dense on the crossbar)
//! and a depthwise-separable one (MobileNet-style blocks: the depthwise layers map
//! block-diagonally), trained digitally, then read through simulated crossbars.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use burn_neuro::analog::mapping::{LayerGeometry, Mapping};
use burn_neuro::analog::{AnalogConv2d, AnalogLinear, CrossbarConfig};

/// Which network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Architecture {
    /// conv 1→8, conv 8→16 /2, conv 16→32 /2, fc.
    Dense,
    /// conv 1→8, [dw 8 /2, pw 8→16], [dw 16 /2, pw 16→32], fc.
    Separable,
}

impl Architecture {
    /// The checkpoint's file name without extension.
    pub fn file_stem(self) -> &'static str {
        match self {
            Architecture::Dense => "dense-cnn",
            Architecture::Separable => "separable-cnn",
        }
    }

    /// For reports.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::Dense => "dense CNN",
            Architecture::Separable => "depthwise-separable CNN",
        }
    }
}

/// The network: convolutions in order (each with ReLU), then a classifier on the flattened
/// 32-channel map (7×7 for 28×28 inputs).
#[derive(Module, Debug)]
pub struct Cnn {
    convs: Vec<Conv2d>,
    fc: Linear,
    #[module(skip)]
    size: [usize; 2],
}

/// The map size after the two stride-2 layers (3×3, padding 1).
fn final_size(size: [usize; 2]) -> [usize; 2] {
    size.map(|n| n.div_ceil(2).div_ceil(2))
}

fn conv(cin: usize, cout: usize, kernel: usize, stride: usize, groups: usize, device: &Device) -> Conv2d {
    let pad = kernel / 2;
    Conv2dConfig::new([cin, cout], [kernel, kernel])
        .with_stride([stride, stride])
        .with_groups(groups)
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .init(device)
}

impl Cnn {
    /// A fresh network of `architecture` (Burn's default initialisation, seeded by the device).
    pub fn new(architecture: Architecture, channels: usize, size: [usize; 2], device: &Device) -> Cnn {
        let convs = match architecture {
            Architecture::Dense => vec![conv(channels, 8, 3, 1, 1, device), conv(8, 16, 3, 2, 1, device), conv(16, 32, 3, 2, 1, device)],
            Architecture::Separable => vec![
                conv(channels, 8, 3, 1, 1, device),
                conv(8, 8, 3, 2, 8, device),
                conv(8, 16, 1, 1, 1, device),
                conv(16, 16, 3, 2, 16, device),
                conv(16, 32, 1, 1, 1, device),
            ],
        };
        let [h, w] = final_size(size);
        Cnn { convs, fc: LinearConfig::new(32 * h * w, 10).init(device), size }
    }

    /// Logits of `images` `[N, channels, h, w]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for conv in &self.convs {
            x = relu(conv.forward(x));
        }
        let [n, c, h, w] = x.dims();
        self.fc.forward(x.reshape([n, c * h * w]))
    }

    /// Each layer's geometry and mapping (depthwise layers block-diagonal).
    pub fn geometry(&self) -> Vec<(LayerGeometry, Mapping)> {
        let mut size = self.size;
        let mut out = Vec::new();
        for (i, conv) in self.convs.iter().enumerate() {
            let [cout, per_group, kh, kw] = conv.weight.dims();
            let stride = conv.stride[0];
            size = size.map(|n| (n + 2 * (kh / 2) - kh) / stride + 1);
            let cin = per_group * conv.groups;
            let name =
                if conv.groups > 1 { format!("conv{} (depthwise {cin})", i + 1) } else { format!("conv{} ({cin}→{cout}, {kh}×{kw})", i + 1) };
            let geometry = LayerGeometry::conv(&name, cin, cout, [kh, kw], conv.groups, size).expect("the model's own layers are valid");
            out.push((geometry, if conv.groups > 1 { Mapping::BlockDiagonal } else { Mapping::Dense }));
        }
        let [features, _] = self.fc.weight.dims();
        out.push((LayerGeometry::linear(&format!("fc ({features}→10)"), features, 10), Mapping::Dense));
        out
    }

    /// The network read through crossbars of `config`: every layer analog, depthwise kernels
    /// expanded to their block-diagonal dense form (zeros programmed as empty pairs).
    ///
    /// `depthwise` picks how a depthwise layer is read: `BlockDiagonal` (one read drives every
    /// row, the empty cells' noise included) or `TimeMultiplexed` (each channel's k·k taps read
    /// on their own, as the stacked blocks are: no empty cells, one crossbar realisation per
    /// block).
    pub fn analog(&self, config: &CrossbarConfig, depthwise: Mapping) -> burn_neuro::Result<AnalogCnn> {
        let mut convs = Vec::new();
        for conv in &self.convs {
            convs.push(match (conv.groups, depthwise) {
                (1, _) => AnalogLayer::Whole(AnalogConv2d::from_conv2d(conv.clone(), config.clone(), 0.0)?),
                (_, Mapping::TimeMultiplexed) => AnalogLayer::PerChannel(
                    per_channel(conv)
                        .into_iter()
                        .enumerate()
                        .map(|(c, one)| AnalogConv2d::from_conv2d(one, config.clone().with_seed(config.seed ^ ((c as u64 + 1) << 32)), 0.0))
                        .collect::<burn_neuro::Result<Vec<_>>>()?,
                ),
                _ => AnalogLayer::Whole(AnalogConv2d::from_conv2d(block_diagonal(conv), config.clone(), 0.0)?),
            });
        }
        Ok(AnalogCnn { convs, fc: AnalogLinear::from_linear(self.fc.clone(), config.clone(), 0.0)? })
    }
}

/// A depthwise convolution as one single-channel convolution per channel.
fn per_channel(conv: &Conv2d) -> Vec<Conv2d> {
    let [channels, _, kh, kw] = conv.weight.dims();
    (0..channels)
        .map(|c| {
            let mut one = conv.clone();
            one.weight = Param::from_tensor(conv.weight.val().slice([c..c + 1, 0..1, 0..kh, 0..kw]));
            one.bias = conv.bias.as_ref().map(|b| Param::from_tensor(b.val().slice([c..c + 1])));
            one.groups = 1;
            one
        })
        .collect()
}

/// A depthwise convolution `[C, 1, k, k]` as the dense `[C, C, k, k]` kernel with zeros off
/// the diagonal: what a block-diagonal crossbar holds.
fn block_diagonal(conv: &Conv2d) -> Conv2d {
    let [channels, _, kh, kw] = conv.weight.dims();
    let device = conv.weight.device();
    let weight = conv.weight.val();
    let mut dense = Tensor::<4>::zeros([channels, channels, kh, kw], &device);
    for c in 0..channels {
        dense = dense.slice_assign([c..c + 1, c..c + 1, 0..kh, 0..kw], weight.clone().slice([c..c + 1, 0..1, 0..kh, 0..kw]));
    }
    let mut out = conv.clone();
    out.weight = Param::from_tensor(dense);
    out.groups = 1;
    out
}

/// The network on crossbars.
pub struct AnalogCnn {
    convs: Vec<AnalogLayer>,
    fc: AnalogLinear,
}

/// One convolution on crossbars.
enum AnalogLayer {
    /// One crossbar (dense, or a depthwise layer block-diagonal).
    Whole(AnalogConv2d),
    /// A depthwise layer read channel by channel.
    PerChannel(Vec<AnalogConv2d>),
}

impl AnalogCnn {
    /// Logits of `images`.
    pub fn forward(&self, images: Tensor<4>) -> burn_neuro::Result<Tensor<2>> {
        let mut x = images;
        for conv in &self.convs {
            x = relu(match conv {
                AnalogLayer::Whole(conv) => conv.try_forward(x)?,
                AnalogLayer::PerChannel(channels) => {
                    let [n, _, h, w] = x.dims();
                    let outputs = channels.iter().enumerate().map(|(c, conv)| conv.try_forward(x.clone().slice([0..n, c..c + 1, 0..h, 0..w])));
                    Tensor::cat(outputs.collect::<burn_neuro::Result<Vec<_>>>()?, 1)
                }
            });
        }
        let [n, c, h, w] = x.dims();
        self.fc.try_forward(x.reshape([n, c * h * w]))
    }
}

/// `train --model dense-cnn | separable-cnn`: the networks train through the shared loop
/// (metrics, charts, checkpoint), read out once like LeNet (not spiking).
impl crate::train::model::SpikingClassifier for Cnn {
    fn forward(&self, images: Tensor<2>, _steps: usize, _dtype: burn::tensor::DType) -> crate::train::model::SpikingOutput {
        let [n, _] = images.dims();
        let channels = self.convs[0].weight.dims()[1];
        let logits =
            Cnn::forward(self, images.reshape([n, channels, self.size[0], self.size[1]])).cast(burn::tensor::DType::F32).unsqueeze_dim::<3>(0);
        crate::train::model::SpikingOutput { spikes: logits.clone(), membrane: logits, layer_spikes: Vec::new() }
    }

    fn with_saved_state(self, _saved_state: burn_neuro::neuron::SavedState) -> Self {
        self
    }
}
