//! The MNIST IDX loader on small generated files: plain and gzip, and clear errors for wrong
//! magic numbers, truncation and mismatched counts.

use std::io::Write;
use std::path::{Path, PathBuf};

use burn_neuro::data::idx::{encode_images, encode_labels, load_mnist_dir, load_pair};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("burn-neuro-idx-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("compress")
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::write(path, bytes).expect("write");
    path.to_path_buf()
}

/// Three 2×3 images with labels 7, 0, 9.
fn sample() -> (Vec<u8>, Vec<u8>) {
    let pixels: Vec<u8> = (0..18).map(|i| (i * 15) as u8).collect();
    (encode_images(&pixels, 3, 2, 3), encode_labels(&[7, 0, 9]))
}

#[test]
fn reads_plain_and_gzip_files() {
    let dir = scratch("ok");
    let (images, labels) = sample();
    let plain = load_pair(&write(&dir.join("i"), &images), &write(&dir.join("l"), &labels)).expect("plain loads");
    let zipped = load_pair(&write(&dir.join("i.gz"), &gzip(&images)), &write(&dir.join("l.gz"), &gzip(&labels))).expect("gzip loads");
    assert_eq!(plain, zipped);
    assert_eq!((plain.rows, plain.cols, plain.labels.clone()), (2, 3, vec![7, 0, 9]));
    assert_eq!(plain.images[1], 15.0 / 255.0);
    assert_eq!(plain.images[17], 255.0 / 255.0);
}

#[test]
fn finds_the_standard_names_in_a_folder() {
    let dir = scratch("dir");
    let (images, labels) = sample();
    write(&dir.join("train-images-idx3-ubyte.gz"), &gzip(&images));
    write(&dir.join("train-labels-idx1-ubyte"), &labels);
    write(&dir.join("t10k-images-idx3-ubyte"), &images);
    write(&dir.join("t10k-labels-idx1-ubyte.gz"), &gzip(&labels));
    let (train, test) = load_mnist_dir(&dir).expect("loads");
    assert_eq!((train.len(), test.len()), (3, 3));
    let err = load_mnist_dir(&dir.join("missing")).unwrap_err();
    assert!(err.to_string().contains("not a folder"), "{err}");
    std::fs::remove_file(dir.join("t10k-labels-idx1-ubyte.gz")).expect("remove");
    let err = load_mnist_dir(&dir).unwrap_err();
    assert!(err.to_string().contains("t10k-labels-idx1-ubyte"), "{err}");
}

#[test]
fn wrong_magic_truncation_and_mismatch_are_clear_errors() {
    let dir = scratch("bad");
    let (images, labels) = sample();
    let labels_path = write(&dir.join("l"), &labels);

    // Labels where images are expected: magic 0x00000801, not 0x00000803.
    let err = load_pair(&labels_path, &labels_path).unwrap_err();
    assert!(err.to_string().contains("wrong magic number 0x00000801") && err.to_string().contains("0x00000803"), "{err}");

    let err = load_pair(&write(&dir.join("short"), &images[..images.len() - 5]), &labels_path).unwrap_err();
    assert!(err.to_string().contains("truncated IDX data") && err.to_string().contains("needs 18 bytes"), "{err}");

    let err = load_pair(&write(&dir.join("header"), &images[..9]), &labels_path).unwrap_err();
    assert!(err.to_string().contains("truncated IDX header"), "{err}");

    let mut gz = gzip(&images);
    gz.truncate(gz.len() / 2);
    let err = load_pair(&write(&dir.join("cut.gz"), &gz), &labels_path).unwrap_err();
    assert!(err.to_string().contains("corrupt or truncated gzip"), "{err}");

    let err = load_pair(&write(&dir.join("i"), &images), &write(&dir.join("two"), &encode_labels(&[1, 2]))).unwrap_err();
    assert!(err.to_string().contains("3 images") && err.to_string().contains("2 labels"), "{err}");

    let err = load_pair(&write(&dir.join("i2"), &images), &write(&dir.join("big"), &encode_labels(&[1, 12, 2]))).unwrap_err();
    assert!(err.to_string().contains("label 12"), "{err}");
}
