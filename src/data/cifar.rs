//! CIFAR-10 in its binary version (`cifar-10-batches-bin`): `data_batch_1.bin` …
//! `data_batch_5.bin` and `test_batch.bin`, each 10,000 records of one label byte and 3,072
//! pixel bytes (the red, then green, then blue 32×32 plane, row-major).

use std::path::Path;

use super::Dataset;
use crate::error::{NeuroError, Result};

/// Bytes of one record.
const RECORD: usize = 1 + 3 * 32 * 32;

/// The ten class names, by label.
pub const CLASSES: [&str; 10] = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

fn io(path: &Path, detail: impl Into<String>) -> NeuroError {
    NeuroError::Io { path: path.display().to_string(), detail: detail.into() }
}

/// Parses one batch file's bytes: `[count, 3, 32, 32]` pixels in [0, 1] and labels.
pub fn parse_batch(bytes: &[u8], path: &Path) -> Result<Dataset> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD) {
        return Err(io(path, format!("{} bytes is not a whole number of {RECORD}-byte CIFAR-10 records (label + 3×32×32 pixels)", bytes.len())));
    }
    let count = bytes.len() / RECORD;
    let mut images = Vec::with_capacity(count * (RECORD - 1));
    let mut labels = Vec::with_capacity(count);
    for (i, record) in bytes.chunks_exact(RECORD).enumerate() {
        if record[0] > 9 {
            return Err(io(path, format!("record {i} has label {} (CIFAR-10 labels are 0 to 9)", record[0])));
        }
        labels.push(record[0]);
        images.extend(record[1..].iter().map(|&p| f32::from(p) / 255.0));
    }
    Ok(Dataset { images, labels, channels: 3, rows: 32, cols: 32 })
}

/// Reads a batch file.
pub fn load_batch(path: &Path) -> Result<Dataset> {
    let bytes = std::fs::read(path).map_err(|e| io(path, e.to_string()))?;
    parse_batch(&bytes, path)
}

/// The training set (the five data batches that exist in `dir`, at least one) and the test batch.
pub fn load_dir(dir: &Path) -> Result<(Dataset, Dataset)> {
    let mut train: Option<Dataset> = None;
    for k in 1..=5 {
        let path = dir.join(format!("data_batch_{k}.bin"));
        if !path.exists() {
            continue;
        }
        let batch = load_batch(&path)?;
        train = Some(match train {
            Some(mut all) => {
                all.images.extend(batch.images);
                all.labels.extend(batch.labels);
                all
            }
            None => batch,
        });
    }
    let train = train.ok_or_else(|| io(dir, "no data_batch_1.bin … data_batch_5.bin (the binary version, cifar-10-batches-bin)"))?;
    Ok((train, load_batch(&dir.join("test_batch.bin"))?))
}

/// The bytes of a batch file holding `labels` and `pixels` (`[count, 3·32·32]`, 0–255).
pub fn encode_batch(labels: &[u8], pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(labels.len() * RECORD);
    for (i, label) in labels.iter().enumerate() {
        out.push(*label);
        out.extend_from_slice(&pixels[i * (RECORD - 1)..(i + 1) * (RECORD - 1)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_batch_reads_back_and_broken_ones_are_refused() {
        let dir = std::env::temp_dir().join(format!("burn-neuro-cifar-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let pixels: Vec<u8> = (0..3 * 3072).map(|i| (i * 7 % 256) as u8).collect();
        std::fs::write(dir.join("data_batch_1.bin"), encode_batch(&[3, 9, 0], &pixels)).expect("written");
        std::fs::write(dir.join("data_batch_2.bin"), encode_batch(&[1], &pixels[..3072])).expect("written");
        std::fs::write(dir.join("test_batch.bin"), encode_batch(&[5], &pixels[3072..6144])).expect("written");
        let (train, test) = load_dir(&dir).expect("reads");
        assert_eq!((train.len(), train.channels, train.rows, train.cols, train.labels.clone()), (4, 3, 32, 32, vec![3, 9, 0, 1]));
        assert_eq!(train.pixels(), 3072);
        // Record 1's green plane starts 1024 values into its pixels.
        assert_eq!(train.images[3072 + 1024], f32::from(pixels[3072 + 1024]) / 255.0);
        assert_eq!(test.labels, [5]);
        std::fs::write(dir.join("test_batch.bin"), [1u8; 100]).expect("written");
        assert!(load_dir(&dir).expect_err("short").to_string().contains("3073-byte"));
        std::fs::write(dir.join("test_batch.bin"), encode_batch(&[12], &pixels[..3072])).expect("written");
        assert!(load_dir(&dir).expect_err("label").to_string().contains("label 12"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
