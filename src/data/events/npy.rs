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

use std::fmt;
use std::io::{Cursor, Read, Write};
use std::path::Path;

use super::{Event, EventStream, io_error};
use crate::error::{NeuroError, Result};

const MAGIC: &[u8] = b"\x93NUMPY";
/// Nesting deeper than this in a header is refused rather than recursed into.
const MAX_DEPTH: usize = 16;

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
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e.to_string()))?;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| io_error(path, format!("not a readable .npz (zip) archive: {e}")))?;
    let mut streams = Vec::new();
    let mut skipped = Vec::new();
    // SpikingJelly's layout: one 1-D member per column.
    let mut columns: Vec<(String, Vec<Num>)> = Vec::new();
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).map_err(|e| io_error(path, format!("archive member {i}: {e}")))?;
        if member.is_dir() {
            continue;
        }
        let name = member.name().to_string();
        let mut data = Vec::new();
        member.read_to_end(&mut data).map_err(|e| io_error(path, format!("member {name:?}: {e}")))?;
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
    let dict = format!("{{'descr': [('x', '<i8'), ('y', '<i8'), ('t', '<i8'), ('p', '<i8')], 'fortran_order': False, 'shape': ({n},), }}");
    // NumPy pads the header with spaces so that the data starts on a 64-byte boundary.
    let unpadded = MAGIC.len() + 4 + dict.len() + 1;
    let header_len = dict.len() + (64 - unpadded % 64) % 64 + 1;
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + header_len + n * 32);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    // The dict is about 100 bytes, far below u16's limit.
    out.extend_from_slice(&(header_len as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.resize(MAGIC.len() + 4 + header_len - 1, b' ');
    out.push(b'\n');
    for e in &stream.events {
        for v in [i64::from(e.x), i64::from(e.y), e.t, i64::from(e.on)] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
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

/// A number read from the array.
#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn pixel(self, limit: u16) -> Option<u16> {
        match self {
            Num::Int(v) => (0..i128::from(limit)).contains(&v).then_some(v as u16),
            Num::Float(f) => (f.fract() == 0.0 && (0.0..f64::from(limit)).contains(&f)).then_some(f as u16),
        }
    }

    /// The value as µs, given in units of `micros_per_unit` µs.
    fn micros(self, micros_per_unit: i64) -> Option<i64> {
        match self {
            Num::Int(v) => i64::try_from(v).ok()?.checked_mul(micros_per_unit),
            Num::Float(f) => {
                let us = f * micros_per_unit as f64;
                // 9.2e18 is just inside i64's range.
                (us.is_finite() && us.abs() < 9.2e18).then(|| us.round() as i64)
            }
        }
    }

    fn positive(self) -> bool {
        match self {
            Num::Int(v) => v > 0,
            Num::Float(f) => f > 0.0,
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Int(v) => write!(f, "{v}"),
            Num::Float(v) => write!(f, "{v}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Uint,
    Float,
    Bool,
    /// Bytes that are not a number (padding, strings, ...): skipped over.
    Other,
}

/// One element type of the array, such as `<i8` or `|b1`.
#[derive(Debug, Clone, Copy)]
struct Dtype {
    kind: Kind,
    size: usize,
    big_endian: bool,
}

impl Dtype {
    /// Parses a NumPy type string; refuses the types whose size is unknown (objects).
    fn parse(text: &str) -> std::result::Result<Dtype, String> {
        let (order, rest) = match text.as_bytes().first() {
            Some(b'<' | b'>' | b'|' | b'=') => (text.as_bytes()[0], &text[1..]),
            _ => (b'|', text),
        };
        let big_endian = order == b'>' || (order == b'=' && cfg!(target_endian = "big"));
        let mut chars = rest.chars();
        let code = chars.next().ok_or_else(|| format!("empty type {text:?}"))?;
        let count: usize = chars.as_str().parse().map_err(|_| format!("type {text:?} has no plain byte size (objects and dates are not read)"))?;
        let kind = match (code, count) {
            ('i', 1 | 2 | 4 | 8) => Kind::Int,
            ('u', 1 | 2 | 4 | 8) => Kind::Uint,
            ('f', 2 | 4 | 8) => Kind::Float,
            ('b', 1) => Kind::Bool,
            ('V' | 'S' | 'a' | 'U' | 'c' | 'f' | 'i' | 'u', _) => Kind::Other,
            _ => return Err(format!("unsupported type {text:?}")),
        };
        // A unicode string's count is in 4-byte characters.
        let size = if code == 'U' { count.checked_mul(4).ok_or_else(|| format!("type {text:?} is too large"))? } else { count };
        Ok(Dtype { kind, size, big_endian })
    }

    /// The value in `bytes` (exactly `size` of them).
    fn value(&self, bytes: &[u8]) -> Num {
        let mut le = [0u8; 8];
        for (i, slot) in le.iter_mut().enumerate().take(self.size.min(8)) {
            *slot = if self.big_endian { bytes[self.size - 1 - i] } else { bytes[i] };
        }
        let raw = u64::from_le_bytes(le);
        match (self.kind, self.size) {
            (Kind::Int, size) => {
                let shift = 64 - 8 * size as u32;
                Num::Int(i128::from(((raw << shift) as i64) >> shift))
            }
            (Kind::Uint, _) => Num::Int(i128::from(raw)),
            (Kind::Bool, _) => Num::Int(i128::from(raw != 0)),
            (Kind::Float, 2) => Num::Float(half::f16::from_bits(raw as u16).to_f64()),
            (Kind::Float, 4) => Num::Float(f64::from(f32::from_bits(raw as u32))),
            (Kind::Float, _) => Num::Float(f64::from_bits(raw)),
            // Never asked for: `layout` only hands out numeric columns.
            (Kind::Other, _) => Num::Float(f64::NAN),
        }
    }
}

/// Where one of x, y, t, p sits: element `i` is at `i · stride + offset`.
#[derive(Debug, Clone, Copy)]
struct Column {
    offset: usize,
    dtype: Dtype,
}

/// The element type of an array.
enum Descr {
    Plain(Dtype),
    /// Named fields in record order, each with its type and byte count (which includes any
    /// sub-array shape).
    Fields(Vec<(String, Dtype, usize)>),
}

/// A `.npy` header's three keys; an element type this reader cannot decode is kept as the
/// reason, so that such arrays are skipped in an archive rather than failing it.
struct Header {
    descr: std::result::Result<Descr, String>,
    fortran_order: bool,
    shape: Vec<usize>,
}

impl Header {
    fn parse(text: &str) -> std::result::Result<Header, String> {
        let mut parser = Parser { text: text.as_bytes(), pos: 0 };
        let Literal::Dict(dict) = parser.value(0)? else {
            return Err("not a dict".into());
        };
        let get =
            |key: &str| dict.iter().find(|(k, _)| matches!(k, Literal::Str(s) if s == key)).map(|(_, v)| v).ok_or_else(|| format!("no '{key}' key"));
        let fortran_order = match get("fortran_order")? {
            Literal::Bool(b) => *b,
            _ => return Err("'fortran_order' is not True or False".into()),
        };
        let shape = match get("shape")? {
            Literal::Seq(dims) => dims
                .iter()
                .map(|d| match d {
                    Literal::Int(v) => usize::try_from(*v).map_err(|_| format!("negative dimension {v}")),
                    _ => Err("'shape' holds a non-integer".to_string()),
                })
                .collect::<std::result::Result<Vec<_>, _>>()?,
            _ => return Err("'shape' is not a tuple".into()),
        };
        let descr = match get("descr")? {
            Literal::Str(s) => Dtype::parse(s).map(Descr::Plain),
            Literal::Seq(fields) => fields.iter().map(field).collect::<std::result::Result<Vec<_>, _>>().map(Descr::Fields),
            _ => return Err("'descr' is neither a type string nor a list of fields".into()),
        };
        Ok(Header { descr, fortran_order, shape })
    }

    /// `(events, stride, [x, y, t, p], data bytes, µs per unit of t)`, or why this array is not
    /// events.
    fn layout(&self) -> std::result::Result<(usize, usize, [Column; 4], usize, i64), Problem> {
        let too_large = || Problem::Bad(format!("shape {:?} is too large to address", self.shape));
        let descr = self.descr.as_ref().map_err(|why| Problem::NotEvents(why.clone()))?;
        let numeric = |dtype: Dtype, name: &str| {
            if dtype.kind == Kind::Other { Err(Problem::NotEvents(format!("field {name:?} is not numeric"))) } else { Ok(dtype) }
        };
        match (descr, self.shape.as_slice()) {
            (Descr::Fields(fields), &[n]) => {
                let mut columns = [None; 4];
                let mut offset = 0usize;
                for (name, dtype, bytes) in fields {
                    if let Some(k) = ["x", "y", "t", "p"].iter().position(|c| *c == name.as_str()) {
                        // A sub-array field holds more than one number per event.
                        if *bytes != dtype.size {
                            return Err(Problem::NotEvents(format!("field {name:?} holds several values per element")));
                        }
                        columns[k] = Some(Column { offset, dtype: numeric(*dtype, name.as_str())? });
                    }
                    offset = offset.checked_add(*bytes).ok_or_else(too_large)?;
                }
                let names: Vec<&str> = fields.iter().map(|(name, ..)| name.as_str()).collect();
                let missing = || Problem::NotEvents(format!("a structured array with fields {names:?}, not all of x, y, t, p"));
                let [Some(x), Some(y), Some(t), Some(p)] = columns else {
                    return Err(missing());
                };
                Ok((n, offset, [x, y, t, p], n.checked_mul(offset).ok_or_else(too_large)?, 1))
            }
            (Descr::Plain(dtype), &[n, 4]) => {
                let dtype = numeric(*dtype, "(array)")?;
                let size = dtype.size;
                let column = |k: usize| Column { offset: if self.fortran_order { k * n * size } else { k * size }, dtype };
                // Row i starts at i·4·size in C order; in Fortran order columns are contiguous.
                let stride = if self.fortran_order { size } else { 4 * size };
                let needed = n.checked_mul(4 * size).ok_or_else(too_large)?;
                // tonic's DVS128 Gesture columns: x, y, p, t (ms).
                Ok((n, stride, [column(0), column(1), column(3), column(2)], needed, 1000))
            }
            _ => Err(Problem::NotEvents(format!(
                "an array of shape {:?}, not events (expected a 1-D structured array with fields x, y, t, p, or [N, 4])",
                self.shape
            ))),
        }
    }
}

/// One `(name, type)` or `(name, type, shape)` entry of a structured `descr`.
fn field(entry: &Literal) -> std::result::Result<(String, Dtype, usize), String> {
    let Literal::Seq(parts) = entry else {
        return Err("a field of 'descr' is not a tuple".into());
    };
    let (name, ty, shape) = match parts.as_slice() {
        [Literal::Str(name), ty] => (name, ty, &[][..]),
        [Literal::Str(name), ty, Literal::Seq(shape)] => (name, ty, shape.as_slice()),
        _ => return Err("a field of 'descr' is not (name, type) or (name, type, shape)".into()),
    };
    let Literal::Str(ty) = ty else {
        return Err(format!("field {name:?} has a nested record type"));
    };
    let dtype = Dtype::parse(ty)?;
    let mut bytes = dtype.size;
    for dim in shape {
        let Literal::Int(d) = dim else { return Err(format!("field {name:?} has a bad shape")) };
        bytes = usize::try_from(*d).ok().and_then(|d| bytes.checked_mul(d)).ok_or_else(|| format!("field {name:?} has a bad shape"))?;
    }
    Ok((name.clone(), dtype, bytes))
}

/// The Python literals a `.npy` header uses.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    /// A tuple or a list.
    Seq(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
}

/// A recursive-descent reader of Python literals.
struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&mut self) -> Option<u8> {
        while matches!(self.text.get(self.pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
        self.text.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> std::result::Result<Literal, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        match self.peek() {
            Some(quote @ (b'\'' | b'"')) => self.string(quote),
            Some(b'(') => Ok(Literal::Seq(self.items(b')', depth)?)),
            Some(b'[') => Ok(Literal::Seq(self.items(b']', depth)?)),
            Some(b'{') => self.dict(depth),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.int(),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.text.get(self.pos).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                    self.pos += 1;
                }
                match &self.text[start..self.pos] {
                    b"True" => Ok(Literal::Bool(true)),
                    b"False" => Ok(Literal::Bool(false)),
                    b"None" => Ok(Literal::None),
                    word => Err(format!("unexpected word {:?} at byte {start}", String::from_utf8_lossy(word))),
                }
            }
            Some(c) => Err(format!("unexpected {:?} at byte {}", c as char, self.pos)),
            None => Err("it ends early".into()),
        }
    }

    fn string(&mut self, quote: u8) -> std::result::Result<Literal, String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.text.get(self.pos) {
                None => return Err(format!("the string at byte {start} is not closed")),
                Some(&c) if c == quote => break,
                Some(b'\\') => {
                    // Escapes in headers only ever quote the next character.
                    out.extend(self.text.get(self.pos + 1));
                    self.pos += 2;
                    continue;
                }
                Some(&c) => out.push(c),
            }
            self.pos += 1;
        }
        self.pos += 1;
        String::from_utf8(out).map(Literal::Str).map_err(|_| format!("the string at byte {start} is not text"))
    }

    fn int(&mut self) -> std::result::Result<Literal, String> {
        let start = self.pos;
        if self.text.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        while self.text.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        let digits = std::str::from_utf8(&self.text[start..self.pos]).map_err(|_| "bad number".to_string())?;
        let value = digits.parse().map_err(|_| format!("bad number {digits:?} at byte {start}"))?;
        // Python 2 wrote long integers with an L suffix.
        if matches!(self.text.get(self.pos), Some(b'L' | b'l')) {
            self.pos += 1;
        }
        Ok(Literal::Int(value))
    }

    /// Comma-separated values up to `close` (a trailing comma allowed).
    fn items(&mut self, close: u8, depth: usize) -> std::result::Result<Vec<Literal>, String> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.value(depth + 1)?);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => return Err(format!("expected ',' or '{}' at byte {}", close as char, self.pos)),
            }
        }
    }

    fn dict(&mut self, depth: usize) -> std::result::Result<Literal, String> {
        self.pos += 1;
        let mut entries = Vec::new();
        loop {
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Literal::Dict(entries));
            }
            let key = self.value(depth + 1)?;
            if self.peek() != Some(b':') {
                return Err(format!("expected ':' at byte {}", self.pos));
            }
            self.pos += 1;
            entries.push((key, self.value(depth + 1)?));
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(format!("expected ',' or '}}' at byte {}", self.pos)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::TempPath;
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
