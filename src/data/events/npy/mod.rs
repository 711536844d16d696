//! NumPy `.npy` arrays of events and `.npz` archives of them: the form tonic caches event data
//! sets in.
//!
//! An array is read as events when it is either
//! - a 1-D structured array with fields `x`, `y`, `t`, `p` in any order (other fields are
//!   ignored), each of type bool, signed or unsigned integer (1–8 bytes) or float (2, 4 or 8
//!   bytes), little- or big-endian; or
//! - a plain 2-D numeric array `[N, 4]` with columns `x, y, p, t` and `t` in **milliseconds**:
//!   the layout of the DVS128 Gesture files tonic downloads and caches
//!   (`ibmGestureTrain/userXX_<lighting>/<class>.npy`; tonic multiplies t by 1000 on load, as
//!   this reader does). Such an array has no names to check the order against.
//!
//! An `.npz` archive is read member by member as above; an archive whose members are the four
//! 1-D columns `x`, `y`, `t`, `p` (SpikingJelly's event `.npz` layout, t in µs) is read as one
//! stream named `events`.
//!
//! `t` is in µs in structured arrays (floats are rounded), a polarity `p > 0` is ON (tonic
//! stores 0/1, some sets -1/1), and `x`, `y` must be whole pixels of the sensor. Events come back sorted by time,
//! keeping equal timestamps in file order. Every error is a [`NeuroError::Io`] naming the file
//! (and the archive member) and what was wrong.
//!
//! The format: the bytes `\x93NUMPY`, a major and a minor version byte, the header's length
//! (u16 little-endian in version 1, u32 in versions 2 and 3), the header — a Python dict literal
//! such as `{'descr': [('x', '<i8'), ('t', '<i8')], 'fortran_order': False, 'shape': (1234,), }`
//! padded with spaces and ending in `\n` — then the raw array.
//!
//! ```no_run
//! # fn main() -> burn_neuro::Result<()> {
//! use std::path::Path;
//! use burn_neuro::data::events::npy;
//!
//! let stream = npy::read(Path::new("cache/DVSGesture/sample_0.npy"), 128, 128)?;
//! println!("{} events over {} µs", stream.events.len(), stream.duration());
//! # Ok(())
//! # }
//! ```

mod array;
mod header;

use std::io::{Cursor, Read, Write};
use std::path::Path;

use super::{Event, EventStream, io_error};
use crate::error::{NeuroError, Result};
pub use array::{Array, read_array, read_array_npz, write_array, write_array_npz};
use header::{Descr, Header, Kind, Num};

const MAGIC: &[u8] = b"\x93NUMPY";

/// Why an array was not read: not an event array at all (skipped inside an `.npz`), or an
/// event array that is broken.
enum Problem {
    NotEvents(String),
    Bad(String),
}

impl Problem {
    fn detail(self) -> String {
        match self {
            Problem::NotEvents(d) | Problem::Bad(d) => d,
        }
    }
}

/// Reads a `.npy` array of events from a `width`×`height` sensor.
pub fn read(path: &Path, width: u16, height: u16) -> Result<EventStream> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e.to_string()))?;
    parse(&bytes, width, height).map_err(|p| io_error(path, p.detail()))
}

/// Reads every member of a `.npz` archive that is an event array, named as NumPy names them
/// (the member's file name without `.npy`). Other members are skipped; an archive with none is
/// an error, and so is an event array that is broken.
pub fn read_npz(path: &Path, width: u16, height: u16) -> Result<Vec<(String, EventStream)>> {
    let mut streams = Vec::new();
    let mut skipped = Vec::new();
    // SpikingJelly's layout: one 1-D member per column.
    let mut columns: Vec<(String, Vec<Num>)> = Vec::new();
    for (name, data) in archive_members(path)? {
        let stem = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        if ["x", "y", "t", "p"].contains(&stem.as_str()) && !columns.iter().any(|(name, _)| *name == stem) {
            if let Ok(values) = parse_vector(&data) {
                columns.push((stem, values));
                continue;
            }
        }
        match parse(&data, width, height) {
            Ok(stream) => streams.push((stem, stream)),
            Err(Problem::NotEvents(why)) => skipped.push(format!("{name:?}: {why}")),
            Err(Problem::Bad(why)) => return Err(io_error(path, format!("member {name:?}: {why}"))),
        }
    }
    if columns.len() == 4 {
        let stream = from_columns(columns, width, height).map_err(|why| io_error(path, why))?;
        streams.push(("events".to_string(), stream));
    } else {
        skipped.extend(columns.iter().map(|(name, _)| format!("{name:?}: a 1-D column without all of x, y, t, p beside it")));
    }
    if streams.is_empty() {
        let why = if skipped.is_empty() { "the archive is empty".to_string() } else { skipped.join("; ") };
        return Err(io_error(path, format!("no event array in the archive ({why})")));
    }
    Ok(streams)
}

/// Every file in the `.npz` (zip) archive at `path`, as (name, bytes), in archive order.
fn archive_members(path: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e.to_string()))?;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| io_error(path, format!("not a readable .npz (zip) archive: {e}")))?;
    let mut members = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).map_err(|e| io_error(path, format!("archive member {i}: {e}")))?;
        if member.is_dir() {
            continue;
        }
        let name = member.name().to_string();
        let mut data = Vec::new();
        member.read_to_end(&mut data).map_err(|e| io_error(path, format!("member {name:?}: {e}")))?;
        members.push((name, data));
    }
    Ok(members)
}

/// Writes `stream` as a `.npy` structured array with fields `x`, `y`, `t`, `p`, all `<i8`
/// (p = 0 for OFF, 1 for ON), as tonic does.
pub fn write(path: &Path, stream: &EventStream) -> Result<()> {
    stream.check()?;
    std::fs::write(path, encode(stream)).map_err(|e| io_error(path, e.to_string()))
}

/// Writes several streams as a `.npz` archive (stored, like `numpy.savez`), each member named
/// `name.npy` (`.npy` is not added twice).
pub fn write_npz(path: &Path, members: &[(&str, &EventStream)]) -> Result<()> {
    let mut names: Vec<String> = Vec::with_capacity(members.len());
    for (name, stream) in members {
        stream.check()?;
        let member = if name.ends_with(".npy") { name.to_string() } else { format!("{name}.npy") };
        if names.contains(&member) {
            return Err(NeuroError::Range { argument: "members", value: format!("{name:?} twice"), expected: "distinct member names".into() });
        }
        names.push(member);
    }
    let file = std::fs::File::create(path).map_err(|e| io_error(path, e.to_string()))?;
    let mut archive = zip::ZipWriter::new(file);
    let zip_error = |e: zip::result::ZipError| io_error(path, e.to_string());
    for (name, (_, stream)) in names.into_iter().zip(members) {
        let bytes = encode(stream);
        let options = zip::write::FileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
        archive.start_file(name, options).map_err(zip_error)?;
        archive.write_all(&bytes).map_err(|e| io_error(path, e.to_string()))?;
    }
    archive.finish().map_err(zip_error)?;
    Ok(())
}

/// The `.npy` bytes of `stream`: version 1.0, fields `x, y, t, p` as `<i8`.
fn encode(stream: &EventStream) -> Vec<u8> {
    let n = stream.events.len();
    let mut out =
        npy_header(&format!("{{'descr': [('x', '<i8'), ('y', '<i8'), ('t', '<i8'), ('p', '<i8')], 'fortran_order': False, 'shape': ({n},), }}"));
    out.reserve(n * 32);
    for e in &stream.events {
        for v in [i64::from(e.x), i64::from(e.y), e.t, i64::from(e.on)] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// A version 1.0 `.npy` header holding `dict`, padded with spaces (as NumPy does) so the data
/// that follows starts on a 64-byte boundary. The dicts written here are about 100 bytes, far
/// below the format's u16 length.
fn npy_header(dict: &str) -> Vec<u8> {
    let unpadded = MAGIC.len() + 4 + dict.len() + 1;
    let header_len = dict.len() + (64 - unpadded % 64) % 64 + 1;
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + header_len);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header_len as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.resize(MAGIC.len() + 4 + header_len - 1, b' ');
    out.push(b'\n');
    out
}

/// A 1-D plain numeric array's values.
fn parse_vector(bytes: &[u8]) -> std::result::Result<Vec<Num>, Problem> {
    let (header, data) = split_header(bytes)?;
    let not_a_column = || Problem::NotEvents("not a 1-D numeric array".into());
    let (Ok(Descr::Plain(dtype)), &[n]) = (&header.descr, header.shape.as_slice()) else {
        return Err(not_a_column());
    };
    if dtype.kind == Kind::Other || n.checked_mul(dtype.size) != Some(data.len()) {
        return Err(not_a_column());
    }
    Ok(data.chunks_exact(dtype.size).map(|bytes| dtype.value(bytes)).collect())
}

/// Events from the four columns of a SpikingJelly `.npz` (t in µs).
fn from_columns(mut columns: Vec<(String, Vec<Num>)>, width: u16, height: u16) -> std::result::Result<EventStream, String> {
    columns.sort_by_key(|(name, _)| ["x", "y", "t", "p"].iter().position(|c| c == name));
    let [x, y, t, p] = [0, 1, 2, 3].map(|k| &columns[k].1);
    if [y.len(), t.len(), p.len()].iter().any(|len| *len != x.len()) {
        return Err(format!("columns x, y, t, p have different lengths ({}, {}, {}, {})", x.len(), y.len(), t.len(), p.len()));
    }
    let mut events = Vec::with_capacity(x.len());
    for i in 0..x.len() {
        let pixel = |v: Num, name: &str, limit: u16| {
            v.pixel(limit).ok_or_else(|| format!("event {i}: {name} = {v} is not a pixel of the {width}×{height} sensor"))
        };
        let time = t[i].micros(1).ok_or_else(|| format!("event {i}: t = {} is not a timestamp in µs", t[i]))?;
        events.push(Event { t: time, x: pixel(x[i], "x", width)?, y: pixel(y[i], "y", height)?, on: p[i].positive() });
    }
    events.sort_by_key(|e| e.t);
    EventStream::new(width, height, events).map_err(|e| e.to_string())
}

/// A `.npy` array's header and the data bytes after it.
fn split_header(bytes: &[u8]) -> std::result::Result<(Header, &[u8]), Problem> {
    if !bytes.starts_with(MAGIC) {
        return Err(Problem::NotEvents(if bytes.starts_with(b"PK\x03\x04") {
            "a zip archive (.npz), not a .npy array: read it with read_npz".into()
        } else {
            "not a NumPy .npy array (bad magic bytes)".into()
        }));
    }
    let short = || Problem::Bad(format!("truncated .npy header ({} bytes)", bytes.len()));
    let (major, minor) = (*bytes.get(6).ok_or_else(short)?, *bytes.get(7).ok_or_else(short)?);
    let (len, start): (usize, usize) = match major {
        1 => (u16::from_le_bytes([*bytes.get(8).ok_or_else(short)?, *bytes.get(9).ok_or_else(short)?]) as usize, 10),
        2 | 3 => {
            let b = bytes.get(8..12).ok_or_else(short)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        _ => return Err(Problem::Bad(format!("unsupported .npy format version {major}.{minor} (1.0 to 3.0 are read)"))),
    };
    let header = bytes
        .get(start..start.saturating_add(len))
        .ok_or_else(|| Problem::Bad(format!("truncated .npy header: it announces {len} bytes, {} remain", bytes.len().saturating_sub(start))))?;
    let text = std::str::from_utf8(header).map_err(|_| Problem::Bad("the .npy header is not text".into()))?;
    let header = Header::parse(text).map_err(|why| Problem::Bad(format!("bad .npy header ({why}): {:?}", text.trim_end())))?;
    Ok((header, &bytes[start + len..]))
}

/// Parses a `.npy` array as events.
fn parse(bytes: &[u8], width: u16, height: u16) -> std::result::Result<EventStream, Problem> {
    let (header, data) = split_header(bytes)?;
    let (n, stride, columns, needed, micros_per_unit) = header.layout()?;
    if data.len() != needed {
        let what = if data.len() < needed { "truncated data" } else { "unexpected bytes after the data" };
        return Err(Problem::Bad(format!("{what}: shape {:?} needs {needed} bytes, the file has {}", header.shape, data.len())));
    }
    let mut events = Vec::with_capacity(n);
    for i in 0..n {
        let [x, y, t, p] = columns.map(|c| c.dtype.value(&data[i * stride + c.offset..][..c.dtype.size]));
        let pixel = |v: Num, name: &str, limit: u16| {
            v.pixel(limit).ok_or_else(|| Problem::Bad(format!("event {i}: {name} = {v} is not a pixel of the {width}×{height} sensor")))
        };
        let (x, y) = (pixel(x, "x", width)?, pixel(y, "y", height)?);
        let t = t.micros(micros_per_unit).ok_or_else(|| Problem::Bad(format!("event {i}: t = {t} is not a timestamp in µs")))?;
        events.push(Event { t, x, y, on: p.positive() });
    }
    events.sort_by_key(|e| e.t);
    EventStream::new(width, height, events).map_err(|e| Problem::Bad(e.to_string()))
}
#[cfg(test)]
mod tests {
    use super::super::TempPath;
    use super::header::{Literal, Parser};
    use super::*;

    fn ev(t: i64, x: u16, y: u16, on: bool) -> Event {
        Event { t, x, y, on }
    }

    /// A version-1 `.npy` file with header `dict` and raw `data`.
    fn npy(dict: &str, data: &[u8]) -> Vec<u8> {
        let header = format!("{dict}\n");
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn stream() -> EventStream {
        EventStream::new(34, 34, vec![ev(0, 1, 2, true), ev(5, 33, 0, false), ev(5, 0, 33, true), ev(1 << 40, 7, 7, false)]).unwrap()
    }

    #[test]
    fn write_then_read_round_trips() {
        let file = TempPath::new("roundtrip.npy");
        write(&file.0, &stream()).unwrap();
        let bytes = std::fs::read(&file.0).unwrap();
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        assert_eq!(bytes[10 + header_len - 1], b'\n');
        assert_eq!(read(&file.0, 34, 34).unwrap(), stream());
        let e = read(&file.0, 20, 34).unwrap_err().to_string();
        assert!(e.contains("event 1: x = 33"), "{e}");
    }

    #[test]
    fn fields_in_any_order_and_mixed_types_parse() {
        // Fields (p, t, x, y) as bool, f8, i2, i2, plus an ignored u1 field; unsorted times.
        let dict = "{'descr': [('p', '|b1'), ('t', '<f8'), ('x', '<i2'), ('y', '<i2'), ('extra', '|u1')], 'fortran_order': False, 'shape': (3,), }";
        let mut data = Vec::new();
        for (p, t, x, y) in [(1u8, 20.4f64, 3i16, 4i16), (0, 10.6, 5, 6), (1, 20.0, 0, 0)] {
            data.push(p);
            data.extend_from_slice(&t.to_le_bytes());
            data.extend_from_slice(&x.to_le_bytes());
            data.extend_from_slice(&y.to_le_bytes());
            data.push(9);
        }
        let file = TempPath::new("fields.npy");
        std::fs::write(&file.0, npy(dict, &data)).unwrap();
        let events = read(&file.0, 8, 8).unwrap().events;
        assert_eq!(events, vec![ev(11, 5, 6, false), ev(20, 3, 4, true), ev(20, 0, 0, true)]);
    }

    #[test]
    fn plain_arrays_are_tonic_gesture_columns_with_milliseconds() {
        // Columns x, y, p, t (ms): 0.1 ms and 0.05 ms are 100 µs and 50 µs.
        let rows = [[1.0f64, 2.0, -1.0, 0.1], [3.0, 0.0, 1.0, 0.05]];
        let c_order: Vec<u8> = rows.iter().flatten().flat_map(|v| v.to_le_bytes()).collect();
        let fortran: Vec<u8> = (0..4).flat_map(|j| rows.iter().map(move |r| r[j])).flat_map(|v| v.to_le_bytes()).collect();
        let file = TempPath::new("plain.npy");
        let expected = vec![ev(50, 3, 0, true), ev(100, 1, 2, false)];
        for (order, data) in [("False", c_order), ("True", fortran)] {
            let dict = format!("{{'descr': '<f8', 'fortran_order': {order}, 'shape': (2, 4), }}");
            std::fs::write(&file.0, npy(&dict, &data)).unwrap();
            assert_eq!(read(&file.0, 4, 4).unwrap().events, expected);
        }
    }

    #[test]
    fn big_endian_types_are_read() {
        let dict = "{'descr': [('x', '>u2'), ('y', '>i4'), ('t', '>i8'), ('p', '>f4')], 'fortran_order': False, 'shape': (1,), }";
        let data = [&3u16.to_be_bytes()[..], &2i32.to_be_bytes()[..], &(-7i64).to_be_bytes()[..], &0.5f32.to_be_bytes()[..]].concat();
        let file = TempPath::new("big.npy");
        std::fs::write(&file.0, npy(dict, &data)).unwrap();
        assert_eq!(read(&file.0, 4, 4).unwrap().events, vec![ev(-7, 3, 2, true)]);
    }

    #[test]
    fn npz_members_that_are_events_are_read() {
        let file = TempPath::new("set.npz");
        let other = EventStream::new(34, 34, vec![ev(3, 3, 3, true)]).unwrap();
        write_npz(&file.0, &[("first", &stream()), ("second.npy", &other)]).unwrap();
        let read_back = read_npz(&file.0, 34, 34).unwrap();
        assert_eq!(read_back, vec![("first".to_string(), stream()), ("second".to_string(), other.clone())]);

        // An archive with a label array next to the events, as some caches store them.
        let labels = npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", &5i64.to_le_bytes());
        let mut archive = zip::ZipWriter::new(std::fs::File::create(&file.0).unwrap());
        for (name, bytes) in [("labels.npy", labels), ("events.npy", encode(&other))] {
            archive.start_file(name, zip::write::FileOptions::default()).unwrap();
            archive.write_all(&bytes).unwrap();
        }
        archive.finish().unwrap();
        assert_eq!(read_npz(&file.0, 34, 34).unwrap(), vec![("events".to_string(), other.clone())]);

        let only_labels = TempPath::new("labels.npz");
        let mut archive = zip::ZipWriter::new(std::fs::File::create(&only_labels.0).unwrap());
        archive.start_file("labels.npy", zip::write::FileOptions::default()).unwrap();
        archive.write_all(&npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", &5i64.to_le_bytes())).unwrap();
        archive.finish().unwrap();
        let e = read_npz(&only_labels.0, 34, 34).unwrap_err().to_string();
        assert!(e.contains("no event array") && e.contains("labels.npy"), "{e}");
        assert!(write_npz(&only_labels.0, &[("a", &other), ("a.npy", &other)]).is_err());
    }

    #[test]
    fn npz_of_four_columns_is_one_stream() {
        // SpikingJelly's layout: members t, x, y, p, each a 1-D array (here unsorted in time).
        let column = |values: &[i64]| {
            let dict = format!("{{'descr': '<i8', 'fortran_order': False, 'shape': ({},), }}", values.len());
            npy(&dict, &values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>())
        };
        let file = TempPath::new("columns.npz");
        let mut archive = zip::ZipWriter::new(std::fs::File::create(&file.0).unwrap());
        for (name, values) in [("t.npy", [30i64, 10]), ("x.npy", [1, 2]), ("y.npy", [3, 4]), ("p.npy", [0, 1])] {
            archive.start_file(name, zip::write::FileOptions::default()).unwrap();
            archive.write_all(&column(&values)).unwrap();
        }
        archive.finish().unwrap();
        let read_back = read_npz(&file.0, 8, 8).unwrap();
        assert_eq!(read_back, vec![("events".to_string(), EventStream::new(8, 8, vec![ev(10, 2, 4, true), ev(30, 1, 3, false)]).unwrap())]);
    }

    #[test]
    fn broken_files_are_refused_with_a_reason() {
        let file = TempPath::new("broken.npy");
        let good = encode(&stream());
        let dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 4), }";
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"NUMPY\x01\x00".to_vec(), "bad magic"),
            (good[..good.len() - 3].to_vec(), "truncated data"),
            (good[..20].to_vec(), "truncated .npy header"),
            ([MAGIC, &[9u8, 0, 0, 0][..]].concat(), "version 9.0"),
            (npy("{'descr': '<i8', 'shape': (2, 4), }", &[0; 64]), "no 'fortran_order' key"),
            (npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 4", &[]), "bad .npy header"),
            (npy(dict, &[0; 72]), "unexpected bytes"),
            (npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", &[0; 24]), "not events"),
            (npy("{'descr': [('x', '<i8'), ('y', '<i8')], 'fortran_order': False, 'shape': (0,), }", &[]), "not all of x, y, t, p"),
            (npy("{'descr': '|O', 'fortran_order': False, 'shape': (2, 4), }", &[]), "no plain byte size"),
        ];
        for (bytes, expected) in cases {
            std::fs::write(&file.0, &bytes).unwrap();
            let e = read(&file.0, 128, 128).unwrap_err().to_string();
            assert!(e.contains(expected) && e.contains("broken.npy"), "expected {expected:?} in {e}");
        }
    }

    #[test]
    fn header_literals_parse() {
        let mut p = Parser { text: b"{'a': (1, -2L,), \"b\": [True, None, 'x\\'y'], 'c': {}, }", pos: 0 };
        let expected = Literal::Dict(vec![
            (Literal::Str("a".into()), Literal::Seq(vec![Literal::Int(1), Literal::Int(-2)])),
            (Literal::Str("b".into()), Literal::Seq(vec![Literal::Bool(true), Literal::None, Literal::Str("x'y".into())])),
            (Literal::Str("c".into()), Literal::Dict(vec![])),
        ]);
        assert_eq!(p.value(0).unwrap(), expected);
        let deep = "[".repeat(100);
        assert!(Parser { text: deep.as_bytes(), pos: 0 }.value(0).unwrap_err().contains("deeply"));
    }
}
