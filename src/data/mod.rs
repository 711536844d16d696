//! Image classification data: MNIST in its standard IDX files ([`idx`]), CIFAR-10 in its binary
//! batches ([`cifar`]) and generated digits and phantoms that need no download ([`synthetic`]),
//! all as a [`Dataset`] of images; and event
//! streams from event cameras with their readers, binning and a generated gesture set
//! ([`events`]).
//!
//! ```
//! use burn_neuro::data::{shuffled, synthetic};
//!
//! let digits = synthetic::digits(100, 7);
//! assert_eq!((digits.len(), digits.rows, digits.cols), (100, 28, 28));
//! // One epoch's order, and its first batch of 32 as flat pixels and labels.
//! let order = shuffled(digits.len(), 7, 0);
//! let (pixels, labels) = digits.gather(&order[..32]);
//! assert_eq!((pixels.len(), labels.len()), (32 * 784, 32));
//! ```

pub mod cifar;
pub mod events;
pub mod idx;
pub mod synthetic;

/// NumPy `.npy`/`.npz` files: event arrays and plain numeric [`Array`](npy::Array)s.
pub use events::npy;

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::error::{NeuroError, Result};

/// Images with one label each, pixels in [0, 1], row-major `[count, channels·rows·cols]`
/// (channel planes one after another; grey images have one).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Pixels, `[count, channels·rows·cols]` row-major, in [0, 1].
    pub images: Vec<f32>,
    /// One class per image.
    pub labels: Vec<u8>,
    /// Colour planes per image (1 for grey, 3 for RGB).
    pub channels: usize,
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
}

impl Dataset {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Values per image (`channels·rows·cols`).
    pub fn pixels(&self) -> usize {
        self.channels * self.rows * self.cols
    }

    /// The first `count` examples (all if fewer).
    pub fn truncated(mut self, count: usize) -> Self {
        let count = count.min(self.len());
        self.labels.truncate(count);
        self.images.truncate(count * self.pixels());
        self
    }

    /// Examples at `indices`, as `(images [n·pixels], labels [n])`. Panics on an index past
    /// the end; [`batch`](Self::batch) checks them.
    pub fn gather(&self, indices: &[usize]) -> (Vec<f32>, Vec<i64>) {
        let p = self.pixels();
        let mut images = Vec::with_capacity(indices.len() * p);
        for &i in indices {
            images.extend_from_slice(&self.images[i * p..(i + 1) * p]);
        }
        (images, indices.iter().map(|&i| self.labels[i] as i64).collect())
    }

    /// Examples at `indices` as tensors on `device`: images `[n, channels·rows·cols]` (f32, in [0, 1])
    /// and labels `[n]`.
    pub fn batch(&self, indices: &[usize], device: &Device) -> Result<(Tensor<2>, Tensor<1, Int>)> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(NeuroError::Range {
                argument: "indices",
                value: bad.to_string(),
                expected: format!("an example index below {}", self.len()),
            });
        }
        let (images, labels) = self.gather(indices);
        let n = indices.len();
        Ok((Tensor::from_data(TensorData::new(images, [n, self.pixels()]), device), Tensor::from_data(TensorData::new(labels, [n]), device)))
    }
}

/// A deterministic permutation of `0..len` for `(seed, epoch)` (Fisher-Yates on SplitMix64).
pub fn shuffled(len: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut state = seed ^ (epoch as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..len).collect();
    for i in (1..len).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}
