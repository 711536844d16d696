//! Event data for `--model rn-net`: the generated gestures, or DVS128 Gesture as tonic caches it.

use std::path::{Path, PathBuf};

use burn_neuro::data::events::aedat::DVS_GESTURE_CLASSES;
use burn_neuro::data::events::gestures::{GESTURE_WINDOW_US, moving_gestures};
use burn_neuro::data::events::{Event, EventDataset, EventStream, npy};

/// The part of each DVS128 Gesture recording that is binned: its first 1.5 s (the gestures
/// repeat over their ~6 s, and 1.5 s holds at least one full repetition).
pub const DVS_WINDOW_US: i64 = 1_500_000;

/// The sensor side the models see: DVS128's 128 pixels pooled by 4.
pub const DVS_SIZE: u16 = 32;

/// Side of the generated gestures' sensor.
pub const GENERATED_SIZE: u16 = 32;

/// A train/test pair, the window every sample is binned over, and the sensor side.
pub struct EventData {
    pub train: EventDataset,
    pub test: EventDataset,
    pub window_us: i64,
    pub size: usize,
    pub source: String,
}

/// `train_size` + `test_size` generated gestures (defaults 600 / 300).
pub fn generated(train_size: Option<usize>, test_size: Option<usize>, seed: u64) -> EventData {
    let train = moving_gestures(train_size.unwrap_or(600), seed, GENERATED_SIZE);
    let test = moving_gestures(test_size.unwrap_or(300), seed ^ 0x5EED, GENERATED_SIZE);
    EventData { train, test, window_us: GESTURE_WINDOW_US, size: GENERATED_SIZE as usize, source: "generated gestures".into() }
}

/// DVS128 Gesture from tonic's cache folder (file `k.npy` is class k, DVS_GESTURE_CLASSES[k]): `ibmGestureTrain/<user>/<class>.npy` and
/// `ibmGestureTest/...`, each a `[N, 4]` array x, y, p, t (ms). Events are pooled 4×4 to 32×32
/// and re-based to start at 0.
pub fn dvs_gesture(dir: &Path, train_size: Option<usize>, test_size: Option<usize>) -> Result<EventData, String> {
    let train = read_split(&dir.join("ibmGestureTrain"), train_size)?;
    let test = read_split(&dir.join("ibmGestureTest"), test_size)?;
    Ok(EventData { train, test, window_us: DVS_WINDOW_US, size: DVS_SIZE as usize, source: dir.display().to_string() })
}

fn read_split(dir: &Path, limit: Option<usize>) -> Result<EventDataset, String> {
    let mut files = Vec::new();
    collect_npy(dir, &mut files)
        .map_err(|e| format!("--data {}: {e} (expected tonic's DVSGesture folder with ibmGestureTrain/ and ibmGestureTest/)", dir.display()))?;
    files.sort();
    if files.is_empty() {
        return Err(format!("--data {}: no .npy files (expected tonic's DVSGesture layout: <user>/<class>.npy)", dir.display()));
    }
    files.truncate(limit.unwrap_or(usize::MAX));
    let mut samples = Vec::with_capacity(files.len());
    let mut labels = Vec::with_capacity(files.len());
    for file in files {
        let class =
            file.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse::<u8>().ok()).filter(|c| (*c as usize) < DVS_GESTURE_CLASSES.len());
        let class = class.ok_or_else(|| format!("--data {}: the file name is not a class 0–10", file.display()))?;
        let stream = npy::read(&file, 128, 128).map_err(|e| format!("--data {e}"))?;
        samples.push(pooled(&stream));
        labels.push(class);
    }
    Ok(EventDataset { samples, labels, classes: DVS_GESTURE_CLASSES.iter().map(|c| c.to_string()).collect() })
}

fn collect_npy(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_npy(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "npy") {
            files.push(path);
        }
    }
    Ok(())
}

/// 128×128 → 32×32 (each output pixel takes a 4×4 block's events), times from 0.
fn pooled(stream: &EventStream) -> EventStream {
    let start = stream.events.first().map_or(0, |e| e.t);
    let events = stream.events.iter().map(|e| Event { t: e.t - start, x: e.x / 4, y: e.y / 4, on: e.on }).collect();
    EventStream { width: DVS_SIZE, height: DVS_SIZE, events }
}
