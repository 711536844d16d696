//! AEDAT 3.1 files (jAER/cAER), the format of DVS128 Gesture, and that set's label files.
//!
//! A file starts with ASCII header lines beginning with `#` (ending in `\r\n`), the first
//! `#!AER-DAT3.1`, the last `#!END-HEADER`. Packets follow, each a 28-byte little-endian header
//! (event type u16, source u16, event size u32, timestamp offset u32, timestamp overflow u32,
//! capacity u32, event count u32, valid count u32) and then `count · size` bytes of events.
//! Polarity events (type 1, 8 bytes) are a u32 — bit 0 valid, bit 1 polarity, bits 2..=16 y,
//! bits 17..=31 x — and an i32 timestamp in µs; the full time is `overflow << 31 | timestamp`.
//! Other event types are skipped by their size, and so are events whose valid bit is clear.
//!
//! `y` is kept as the file stores it: jAER counts DVS128 rows from the bottom, so an image
//! drawn with row 0 at the top shows the scene upside down (flip with `height - 1 - y`).
//!
//! ```no_run
//! # fn main() -> burn_neuro::Result<()> {
//! use std::path::Path;
//! use burn_neuro::data::events::aedat;
//!
//! let stream = aedat::read(Path::new("DvsGesture/user01_fluorescent.aedat"))?;
//! let segments = aedat::read_labels(Path::new("DvsGesture/user01_fluorescent_labels.csv"))?;
//! let gestures = aedat::split(&stream, &segments);
//! println!("{} gestures, the first of class {:?}", gestures.len(), gestures.classes[gestures.labels[0] as usize]);
//! # Ok(())
//! # }
//! ```

use std::path::Path;

use super::{Event, EventDataset, EventStream, io_error};
use crate::error::{NeuroError, Result};

/// Width and height of the DVS128 sensor, the size [`read`] assumes.
pub const DVS128_SIZE: u16 = 128;

/// DVS128 Gesture's class names, indexed by label (the CSV's class minus 1).
pub const DVS_GESTURE_CLASSES: [&str; 11] = [
    "hand clap",
    "right hand wave",
    "left hand wave",
    "right arm clockwise",
    "right arm counter-clockwise",
    "left arm clockwise",
    "left arm counter-clockwise",
    "arm roll",
    "air drums",
    "air guitar",
    "other gestures",
];

const VERSION_LINE: &str = "#!AER-DAT3.1";
const END_HEADER: &str = "#!END-HEADER";
const LABELS_HEADER: &str = "class,startTime_usec,endTime_usec";
const PACKET_HEADER: usize = 28;
const POLARITY_TYPE: u16 = 1;
const POLARITY_SIZE: usize = 8;
/// Events per packet [`write`] emits: cAER's own packets are about this size, and readers
/// that load a packet at a time stay small.
const PACKET_EVENTS: usize = 4096;
/// AEDAT 3.1 addresses have 15 bits.
const MAX_SIDE: u16 = 1 << 15;

/// One labelled gesture of a DVS128 Gesture recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GestureSegment {
    /// Class as the CSV numbers it, 1..=11 (see [`DVS_GESTURE_CLASSES`] for index `class - 1`).
    pub class: u8,
    /// First µs of the gesture (inclusive).
    pub start: i64,
    /// Last µs of the gesture (exclusive).
    pub end: i64,
}

fn u16_le(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_le(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Reads a DVS128 recording (128×128 sensor); an event outside it is an error.
pub fn read(path: &Path) -> Result<EventStream> {
    read_sized(path, DVS128_SIZE, DVS128_SIZE)
}

/// Reads a recording from a `width`×`height` sensor (DAVIS346: 346×260). Events come back in
/// time order; packets out of order are sorted, keeping equal timestamps in file order.
pub fn read_sized(path: &Path, width: u16, height: u16) -> Result<EventStream> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e.to_string()))?;
    let body = header_end(path, &bytes)?;
    let mut events = parse_packets(path, &bytes, body)?;
    events.sort_by_key(|e| e.t);
    if let Some(e) = events.iter().find(|e| e.x >= width || e.y >= height) {
        return Err(io_error(
            path,
            format!("event at (x {}, y {}), t {} µs lies outside the {width}×{height} sensor (use read_sized for larger sensors)", e.x, e.y, e.t),
        ));
    }
    Ok(EventStream { width, height, events })
}

/// The offset just past the `#!END-HEADER` line, checking the version line on the way.
fn header_end(path: &Path, bytes: &[u8]) -> Result<usize> {
    let mut pos = 0;
    while pos < bytes.len() {
        if bytes[pos] != b'#' {
            return Err(io_error(
                path,
                if pos == 0 {
                    format!("not an AEDAT file: it does not start with the line {VERSION_LINE}")
                } else {
                    format!("missing {END_HEADER} line: the header's line at byte {pos} does not start with '#'")
                },
            ));
        }
        let end = bytes[pos..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |n| pos + n + 1);
        let text = String::from_utf8_lossy(&bytes[pos..end]);
        let line = text.trim_end();
        if pos == 0 && line != VERSION_LINE {
            let shown: String = line.chars().take(40).collect();
            return Err(io_error(
                path,
                match line.strip_prefix("#!AER-DAT") {
                    Some(version) => format!("AEDAT version {version}; only 3.1 (DVS128 Gesture's format) is read"),
                    None => format!("not an AEDAT 3.1 file: its first line is {shown:?}, expected {VERSION_LINE}"),
                },
            ));
        }
        if line == END_HEADER {
            return Ok(end);
        }
        pos = end;
    }
    Err(io_error(path, format!("missing {END_HEADER} line: the file ends inside its header")))
}

/// The valid polarity events of every packet from `pos` on, in file order.
fn parse_packets(path: &Path, bytes: &[u8], mut pos: usize) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    while pos < bytes.len() {
        let left = bytes.len() - pos;
        if left < PACKET_HEADER {
            return Err(io_error(path, format!("truncated packet header at byte {pos}: {left} of {PACKET_HEADER} bytes")));
        }
        let (kind, size, ts_offset) = (u16_le(bytes, pos), u32_le(bytes, pos + 4) as usize, u32_le(bytes, pos + 8) as usize);
        let (overflow, number) = (u32_le(bytes, pos + 12), u32_le(bytes, pos + 20) as usize);
        let start = pos + PACKET_HEADER;
        let len = number.checked_mul(size).filter(|&len| len <= bytes.len() - start);
        let Some(len) = len else {
            return Err(io_error(
                path,
                format!("truncated packet at byte {pos}: its header announces {number} events of {size} bytes, {} bytes remain", bytes.len() - start),
            ));
        };
        if kind == POLARITY_TYPE && number > 0 {
            if size < POLARITY_SIZE || ts_offset.checked_add(4).is_none_or(|end| end > size) {
                return Err(io_error(
                    path,
                    format!("polarity packet at byte {pos} has {size}-byte events with the timestamp at byte {ts_offset}; expected 8-byte events"),
                ));
            }
            for event in bytes[start..start + len].chunks_exact(size) {
                let data = u32_le(event, 0);
                if data & 1 == 0 {
                    continue;
                }
                let ts = u32_le(event, ts_offset) as i32;
                if ts < 0 {
                    return Err(io_error(path, format!("negative timestamp {ts} µs in the packet at byte {pos}")));
                }
                let t = (i64::from(overflow) << 31) | i64::from(ts);
                events.push(Event { t, x: ((data >> 17) & 0x7FFF) as u16, y: ((data >> 2) & 0x7FFF) as u16, on: data & 2 != 0 });
            }
        }
        pos = start + len;
    }
    Ok(events)
}

/// Writes `stream` as an AEDAT 3.1 file: the header lines, then polarity packets of at most
/// 4096 events (a new packet also starts wherever the timestamp overflow changes).
pub fn write(path: &Path, stream: &EventStream) -> Result<()> {
    stream.check()?;
    if stream.width > MAX_SIDE || stream.height > MAX_SIDE {
        return Err(NeuroError::Range {
            argument: "stream",
            value: format!("a {}×{} sensor", stream.width, stream.height),
            expected: format!("at most {MAX_SIDE} pixels a side (AEDAT 3.1 addresses have 15 bits)"),
        });
    }
    if let Some(i) = stream.events.iter().position(|e| e.t < 0) {
        return Err(NeuroError::Range {
            argument: "stream",
            value: format!("event {i} at t {} µs", stream.events[i].t),
            expected: "non-negative timestamps (AEDAT stores time since the recording started)".into(),
        });
    }
    let source = if (stream.width, stream.height) == (DVS128_SIZE, DVS128_SIZE) {
        "DVS128".to_string()
    } else {
        format!("{}x{} DVS", stream.width, stream.height)
    };
    let mut out = format!("{VERSION_LINE}\r\n#Format: RAW\r\n#Source 1: {source}\r\n{END_HEADER}\r\n").into_bytes();
    out.reserve(stream.events.len() * POLARITY_SIZE + (stream.events.len() / PACKET_EVENTS + 1) * PACKET_HEADER);
    let mut rest = &stream.events[..];
    while let Some(first) = rest.first() {
        let overflow = first.t >> 31;
        let n = rest.iter().take(PACKET_EVENTS).take_while(|e| e.t >> 31 == overflow).count();
        let (packet, tail) = rest.split_at(n);
        // type, source, event size, timestamp offset, overflow, capacity, count, valid count.
        for word in [u32::from(POLARITY_TYPE) | (1 << 16), POLARITY_SIZE as u32, 4, overflow as u32, n as u32, n as u32, n as u32] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        for e in packet {
            let data = (u32::from(e.x) << 17) | (u32::from(e.y) << 2) | (u32::from(e.on) << 1) | 1;
            out.extend_from_slice(&data.to_le_bytes());
            out.extend_from_slice(&((e.t & 0x7FFF_FFFF) as u32).to_le_bytes());
        }
        rest = tail;
    }
    std::fs::write(path, out).map_err(|e| io_error(path, e.to_string()))
}

/// Reads a DVS128 Gesture label file: the header `class,startTime_usec,endTime_usec`, then one
/// `class,start,end` line per gesture.
pub fn read_labels(path: &Path) -> Result<Vec<GestureSegment>> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e.to_string()))?;
    let mut lines = text.lines().enumerate().map(|(n, line)| (n + 1, line.trim())).filter(|(_, line)| !line.is_empty());
    match lines.next() {
        Some((_, header)) if header.trim_start_matches('\u{feff}') == LABELS_HEADER => {}
        Some((n, header)) => {
            let shown: String = header.chars().take(60).collect();
            return Err(io_error(path, format!("line {n} is {shown:?}, expected the header {LABELS_HEADER}")));
        }
        None => return Err(io_error(path, format!("empty label file (expected the header {LABELS_HEADER})"))),
    }
    let mut segments = Vec::new();
    for (n, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [class, start, end] = fields[..] else {
            return Err(io_error(path, format!("line {n} has {} fields, expected 3 ({LABELS_HEADER})", fields.len())));
        };
        let class = match class.parse::<u8>() {
            Ok(c) if (1..=DVS_GESTURE_CLASSES.len() as u8).contains(&c) => c,
            _ => return Err(io_error(path, format!("line {n}: class {class:?} is not one of DVS128 Gesture's classes 1 to 11"))),
        };
        let time = |field: &str, name: &str| {
            field.parse::<i64>().map_err(|_| io_error(path, format!("line {n}: {name} {field:?} is not a whole number of µs")))
        };
        let (start, end) = (time(start, "startTime_usec")?, time(end, "endTime_usec")?);
        if end < start {
            return Err(io_error(path, format!("line {n}: the gesture ends ({end} µs) before it starts ({start} µs)")));
        }
        segments.push(GestureSegment { class, start, end });
    }
    Ok(segments)
}

/// Cuts a recording into its labelled gestures: the events with `start <= t < end` of each
/// segment, times re-based so each sample starts at its segment's start. Labels are
/// `class - 1`, class names [`DVS_GESTURE_CLASSES`].
pub fn split(stream: &EventStream, segments: &[GestureSegment]) -> EventDataset {
    let samples = segments
        .iter()
        .map(|s| {
            let mut part = stream.slice_time(s.start, s.end);
            for e in &mut part.events {
                e.t = e.t.saturating_sub(s.start);
            }
            part
        })
        .collect();
    EventDataset {
        samples,
        labels: segments.iter().map(|s| s.class.saturating_sub(1)).collect(),
        classes: DVS_GESTURE_CLASSES.iter().map(|c| c.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::TempPath;
    use super::*;

    fn ev(t: i64, x: u16, y: u16, on: bool) -> Event {
        Event { t, x, y, on }
    }

    /// A packet: header words, then `payload` (`number` events of `size` bytes).
    fn packet(kind: u16, size: u32, overflow: u32, number: u32, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for word in [u32::from(kind) | (1 << 16), size, 4, overflow, number, number, number] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(payload);
        out
    }

    fn polarity(x: u32, y: u32, on: bool, valid: bool, ts: u32) -> Vec<u8> {
        let data = (x << 17) | (y << 2) | (u32::from(on) << 1) | u32::from(valid);
        [data.to_le_bytes(), ts.to_le_bytes()].concat()
    }

    const HEADER: &[u8] = b"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#!END-HEADER\r\n";

    #[test]
    fn write_then_read_round_trips_across_the_overflow() {
        // 5000 events (two packets) straddling 2^31 µs, plus one far beyond it.
        let base = (1i64 << 31) - 2500;
        let mut events: Vec<Event> = (0..5000).map(|i| ev(base + i as i64, (i % 128) as u16, (i * 7 % 128) as u16, i % 3 == 0)).collect();
        events.push(ev((3i64 << 31) + 11, 127, 127, true));
        let stream = EventStream::new(128, 128, events).unwrap();
        let file = TempPath::new("roundtrip.aedat");
        write(&file.0, &stream).unwrap();
        assert_eq!(read(&file.0).unwrap(), stream);
        let empty = EventStream::new(128, 128, vec![]).unwrap();
        write(&file.0, &empty).unwrap();
        assert_eq!(read(&file.0).unwrap(), empty);
    }

    #[test]
    fn other_packets_and_invalid_events_are_skipped_and_packets_sorted() {
        let mut bytes = HEADER.to_vec();
        bytes.extend(packet(1, 8, 0, 2, &[polarity(3, 4, true, true, 100), polarity(5, 6, false, true, 300)].concat()));
        bytes.extend(packet(0, 8, 0, 2, &[0xAB; 16])); // special events
        bytes.extend(packet(3, 36, 0, 1, &[0xCD; 36])); // an IMU sample
        bytes.extend(packet(1, 8, 1, 2, &[polarity(7, 8, true, false, 5), polarity(9, 10, true, true, 7)].concat()));
        bytes.extend(packet(1, 8, 0, 1, &polarity(1, 2, false, true, 200)));
        let file = TempPath::new("mixed.aedat");
        std::fs::write(&file.0, &bytes).unwrap();
        let stream = read(&file.0).unwrap();
        let expected = vec![ev(100, 3, 4, true), ev(200, 1, 2, false), ev(300, 5, 6, false), ev((1 << 31) | 7, 9, 10, true)];
        assert_eq!(stream.events, expected);
    }

    #[test]
    fn truncated_files_are_refused() {
        let stream = EventStream::new(128, 128, (0..10).map(|i| ev(i, 1, 2, true)).collect()).unwrap();
        let file = TempPath::new("truncated.aedat");
        write(&file.0, &stream).unwrap();
        let bytes = std::fs::read(&file.0).unwrap();
        for cut in [5, 8 * 10 + 10] {
            std::fs::write(&file.0, &bytes[..bytes.len() - cut]).unwrap();
            let e = read(&file.0).unwrap_err().to_string();
            assert!(e.contains("truncated") && e.contains("truncated.aedat"), "{e}");
        }
    }

    #[test]
    fn bad_headers_are_refused() {
        let file = TempPath::new("header.aedat");
        let cases: [(&[u8], &str); 4] = [
            (b"#!AER-DAT2.0\r\n#!END-HEADER\r\n", "version 2.0"),
            (b"#!AER-DAT3.1\r\n#Format: RAW\r\n", "END-HEADER"),
            (b"#!AER-DAT3.1\r\n#Format: RAW\r\n\x01\x00\x01\x00", "END-HEADER"),
            (b"\x93NUMPY", "not an AEDAT file"),
        ];
        for (bytes, expected) in cases {
            std::fs::write(&file.0, bytes).unwrap();
            let e = read(&file.0).unwrap_err().to_string();
            assert!(e.contains(expected), "{e}");
        }
    }

    #[test]
    fn larger_sensors_need_read_sized() {
        let stream = EventStream::new(346, 260, vec![ev(0, 300, 200, true)]).unwrap();
        let file = TempPath::new("davis.aedat");
        write(&file.0, &stream).unwrap();
        assert!(read(&file.0).unwrap_err().to_string().contains("outside the 128×128 sensor"));
        assert_eq!(read_sized(&file.0, 346, 260).unwrap(), stream);
    }

    #[test]
    fn labels_parse_and_split_rebases_each_gesture() {
        let file = TempPath::new("labels.csv");
        std::fs::write(&file.0, "class,startTime_usec,endTime_usec\r\n3,100,200\r\n11,200,400\r\n").unwrap();
        let segments = read_labels(&file.0).unwrap();
        assert_eq!(segments, vec![GestureSegment { class: 3, start: 100, end: 200 }, GestureSegment { class: 11, start: 200, end: 400 }]);
        let times = [50, 100, 150, 199, 200, 350, 400];
        let stream = EventStream::new(128, 128, times.iter().map(|&t| ev(t, 1, 1, true)).collect()).unwrap();
        let set = split(&stream, &segments);
        assert_eq!((set.len(), set.labels.clone(), set.classes.len()), (2, vec![2, 10], 11));
        assert_eq!(set.classes[2], "left hand wave");
        let t = |i: usize| set.samples[i].events.iter().map(|e| e.t).collect::<Vec<_>>();
        assert_eq!((t(0), t(1)), (vec![0, 50, 99], vec![0, 150]));

        for (text, expected) in [
            ("class,start,end\n1,0,5\n", "expected the header"),
            ("class,startTime_usec,endTime_usec\n1,0,5\n2,x,9\n", "line 3"),
            ("class,startTime_usec,endTime_usec\n1,0\n", "line 2 has 2 fields"),
            ("class,startTime_usec,endTime_usec\n0,0,5\n", "class \"0\""),
            ("class,startTime_usec,endTime_usec\n12,0,5\n", "classes 1 to 11"),
            ("class,startTime_usec,endTime_usec\n1,9,5\n", "ends"),
            ("", "empty"),
        ] {
            std::fs::write(&file.0, text).unwrap();
            let e = read_labels(&file.0).unwrap_err().to_string();
            assert!(e.contains(expected), "{e}");
        }
    }
}
