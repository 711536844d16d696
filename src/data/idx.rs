//! MNIST's IDX format (gzip or plain): `idx3-ubyte` images and `idx1-ubyte` labels.
//!
//! Header: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then
//! each dimension as a big-endian u32. Every error is a [`NeuroError::Io`] naming the file
//! and what was wrong.
//!
//! ```no_run
//! # fn main() -> burn_neuro::Result<()> {
//! let (train, test) = burn_neuro::data::idx::load_mnist_dir(std::path::Path::new("data/mnist"))?;
//! println!("{} training and {} test images of {}×{}", train.len(), test.len(), train.rows, train.cols);
//! # Ok(())
//! # }
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use super::Dataset;
use crate::error::{NeuroError, Result};

/// The error for `path`.
fn io_error(path: &Path, detail: impl Into<String>) -> NeuroError {
    NeuroError::Io { path: path.display().to_string(), detail: detail.into() }
}

fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| io_error(path, e.to_string()))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out).map_err(|e| io_error(path, format!("corrupt or truncated gzip data ({e})")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parses an IDX file of unsigned bytes with `dims` dimensions; returns the dimensions and data.
fn parse(path: &Path, bytes: &[u8], dims: usize) -> Result<(Vec<usize>, Vec<u8>)> {
    let expected_magic = 0x0800 + dims as u32;
    if bytes.len() < 4 {
        return Err(io_error(path, format!("truncated IDX file ({} bytes, no header)", bytes.len())));
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if magic != expected_magic {
        return Err(io_error(
            path,
            format!("wrong magic number 0x{magic:08x}, expected 0x{expected_magic:08x} (unsigned-byte IDX with {dims} dimension(s))"),
        ));
    }
    let header = 4 + 4 * dims;
    if bytes.len() < header {
        return Err(io_error(path, format!("truncated IDX header ({} of {header} bytes)", bytes.len())));
    }
    let shape: Vec<usize> =
        (0..dims).map(|d| u32::from_be_bytes([bytes[4 + 4 * d], bytes[5 + 4 * d], bytes[6 + 4 * d], bytes[7 + 4 * d]]) as usize).collect();
    let Some(count) = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) else {
        return Err(io_error(path, format!("IDX header {shape:?} announces more bytes than this machine can address")));
    };
    let data = &bytes[header..];
    if data.len() < count {
        return Err(io_error(path, format!("truncated IDX data: header {shape:?} needs {count} bytes, file has {}", data.len())));
    }
    if data.len() > count {
        return Err(io_error(path, format!("{} unexpected bytes after the {count} the header {shape:?} announces", data.len() - count)));
    }
    Ok((shape, data.to_vec()))
}

/// Loads a pair of IDX files (images `[n, rows, cols]`, labels `[n]`).
pub fn load_pair(images: &Path, labels: &Path) -> Result<Dataset> {
    let (image_shape, pixels) = parse(images, &read_maybe_gzip(images)?, 3)?;
    let (label_shape, label_bytes) = parse(labels, &read_maybe_gzip(labels)?, 1)?;
    if image_shape[0] != label_shape[0] {
        return Err(io_error(labels, format!("{} labels, but {} has {} images", label_shape[0], images.display(), image_shape[0])));
    }
    if let Some(bad) = label_bytes.iter().find(|l| **l > 9) {
        return Err(io_error(labels, format!("label {bad} is not a digit 0-9")));
    }
    Ok(Dataset {
        images: pixels.iter().map(|&p| p as f32 / 255.0).collect(),
        labels: label_bytes,
        channels: 1,
        rows: image_shape[1],
        cols: image_shape[2],
    })
}

/// Finds `stem` or `stem.gz` in `dir`.
fn find(dir: &Path, stem: &str) -> Result<PathBuf> {
    [dir.join(stem), dir.join(format!("{stem}.gz"))]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| io_error(dir, format!("no {stem} or {stem}.gz (expected MNIST's standard file names)")))
}

/// Loads MNIST's train and test sets from a folder with the standard file names.
pub fn load_mnist_dir(dir: &Path) -> Result<(Dataset, Dataset)> {
    if !dir.is_dir() {
        return Err(io_error(dir, "not a folder"));
    }
    let train = load_pair(&find(dir, "train-images-idx3-ubyte")?, &find(dir, "train-labels-idx1-ubyte")?)?;
    let test = load_pair(&find(dir, "t10k-images-idx3-ubyte")?, &find(dir, "t10k-labels-idx1-ubyte")?)?;
    Ok((train, test))
}

/// Encodes images `[n, rows, cols]` (bytes) as an IDX file (for tests and tools).
pub fn encode_images(pixels: &[u8], count: usize, rows: usize, cols: usize) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 3];
    for d in [count, rows, cols] {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(pixels);
    out
}

/// Encodes labels as an IDX file.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 1];
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}
