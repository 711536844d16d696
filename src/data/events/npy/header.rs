//! The `.npy` header: the element types NumPy writes and the Python dict literal that
//! describes an array, read without a Python parser.

use std::fmt;

use super::Problem;

/// Nesting deeper than this in a header is refused rather than recursed into.
const MAX_DEPTH: usize = 16;

/// A number read from the array.
#[derive(Debug, Clone, Copy)]
pub(super) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub(super) fn pixel(self, limit: u16) -> Option<u16> {
        match self {
            Num::Int(v) => (0..i128::from(limit)).contains(&v).then_some(v as u16),
            Num::Float(f) => (f.fract() == 0.0 && (0.0..f64::from(limit)).contains(&f)).then_some(f as u16),
        }
    }

    /// The value as µs, given in units of `micros_per_unit` µs.
    pub(super) fn micros(self, micros_per_unit: i64) -> Option<i64> {
        match self {
            Num::Int(v) => i64::try_from(v).ok()?.checked_mul(micros_per_unit),
            Num::Float(f) => {
                let us = f * micros_per_unit as f64;
                // 9.2e18 is just inside i64's range.
                (us.is_finite() && us.abs() < 9.2e18).then(|| us.round() as i64)
            }
        }
    }

    pub(super) fn positive(self) -> bool {
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
pub(super) enum Kind {
    Int,
    Uint,
    Float,
    Bool,
    /// Bytes that are not a number (padding, strings, ...): skipped over.
    Other,
}

/// One element type of the array, such as `<i8` or `|b1`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dtype {
    pub(super) kind: Kind,
    pub(super) size: usize,
    pub(super) big_endian: bool,
}

impl Dtype {
    /// Parses a NumPy type string; refuses the types whose size is unknown (objects).
    pub(super) fn parse(text: &str) -> std::result::Result<Dtype, String> {
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
    pub(super) fn value(&self, bytes: &[u8]) -> Num {
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
pub(super) struct Column {
    pub(super) offset: usize,
    pub(super) dtype: Dtype,
}

/// The element type of an array.
pub(super) enum Descr {
    Plain(Dtype),
    /// Named fields in record order, each with its type and byte count (which includes any
    /// sub-array shape).
    Fields(Vec<(String, Dtype, usize)>),
}

/// A `.npy` header's three keys; an element type this reader cannot decode is kept as the
/// reason, so that such arrays are skipped in an archive rather than failing it.
pub(super) struct Header {
    pub(super) descr: std::result::Result<Descr, String>,
    pub(super) fortran_order: bool,
    pub(super) shape: Vec<usize>,
}

impl Header {
    pub(super) fn parse(text: &str) -> std::result::Result<Header, String> {
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
    pub(super) fn layout(&self) -> std::result::Result<(usize, usize, [Column; 4], usize, i64), Problem> {
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
pub(super) fn field(entry: &Literal) -> std::result::Result<(String, Dtype, usize), String> {
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
pub(super) enum Literal {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    /// A tuple or a list.
    Seq(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
}

/// A recursive-descent reader of Python literals.
pub(super) struct Parser<'a> {
    pub(super) text: &'a [u8],
    pub(super) pos: usize,
}

impl Parser<'_> {
    pub(super) fn peek(&mut self) -> Option<u8> {
        while matches!(self.text.get(self.pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
        self.text.get(self.pos).copied()
    }

    pub(super) fn value(&mut self, depth: usize) -> std::result::Result<Literal, String> {
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

    pub(super) fn string(&mut self, quote: u8) -> std::result::Result<Literal, String> {
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

    pub(super) fn int(&mut self) -> std::result::Result<Literal, String> {
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
    pub(super) fn items(&mut self, close: u8, depth: usize) -> std::result::Result<Vec<Literal>, String> {
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

    pub(super) fn dict(&mut self, depth: usize) -> std::result::Result<Literal, String> {
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
