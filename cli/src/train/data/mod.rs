//! Image classification data for `train`: a generated digit set that needs no download, and
//! MNIST in its standard IDX files.

pub mod idx;
pub mod synthetic;

/// Grey images with one label each, pixels in [0, 1], row-major `[count, rows·cols]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub images: Vec<f32>,
    pub labels: Vec<u8>,
    pub rows: usize,
    pub cols: usize,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }

    /// The first `count` examples (all if fewer).
    pub fn truncated(mut self, count: usize) -> Self {
        let count = count.min(self.len());
        self.labels.truncate(count);
        self.images.truncate(count * self.pixels());
        self
    }

    /// Examples at `indices`, as `(images [n·pixels], labels [n])`.
    pub fn gather(&self, indices: &[usize]) -> (Vec<f32>, Vec<i64>) {
        let p = self.pixels();
        let mut images = Vec::with_capacity(indices.len() * p);
        for &i in indices {
            images.extend_from_slice(&self.images[i * p..(i + 1) * p]);
        }
        (images, indices.iter().map(|&i| self.labels[i] as i64).collect())
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
