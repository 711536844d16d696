//! Plain numeric `.npy` arrays and `.npz` archives of them, as f32: model inputs and outputs
//! (`burn-neuro nir run`, the NIR fixtures' expected traces).

use std::io::Write;
use std::path::Path;

use super::header::{Descr, Kind};
use super::{archive_members, npy_header, split_header};
use crate::data::events::io_error;
use crate::error::{NeuroError, Result};

/// A row-major array of numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// Dimensions (`[]` for a scalar).
    pub shape: Vec<usize>,
    /// The elements, row-major.
    pub values: Vec<f32>,
}

impl Array {
    /// An array of `shape` holding `values` (their count must be the shape's product).
    pub fn new(shape: Vec<usize>, values: Vec<f32>) -> Result<Array> {
        let count: usize = shape.iter().product();
        if count != values.len() {
            return Err(NeuroError::Shape {
                argument: "values",
                actual: vec![values.len()],
                expected: format!("{count} values for shape {shape:?}"),
            });
        }
        Ok(Array { shape, values })
    }
}

/// Parses a plain numeric array (bool, integer or float, any byte order, C order).
fn parse(bytes: &[u8]) -> std::result::Result<Array, String> {
    let (header, data) = split_header(bytes).map_err(|p| p.detail())?;
    let dtype = match header.descr {
        Ok(Descr::Plain(dtype)) if dtype.kind != Kind::Other => dtype,
        Ok(_) => return Err("not a plain numeric array (structured or string elements)".into()),
        Err(why) => return Err(why),
    };
    if header.fortran_order && header.shape.len() > 1 {
        return Err("a Fortran-ordered array (save it C-ordered: numpy.ascontiguousarray)".into());
    }
    let count = header.shape.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d)).ok_or("a shape too large to address")?;
    if count.checked_mul(dtype.size) != Some(data.len()) {
        return Err(format!("{} data bytes for shape {:?} of {}-byte elements", data.len(), header.shape, dtype.size));
    }
    let values = data
        .chunks_exact(dtype.size)
        .map(|bytes| match dtype.value(bytes) {
            super::header::Num::Int(v) => v as f32,
            super::header::Num::Float(v) => v as f32,
        })
        .collect();
    Ok(Array { shape: header.shape, values })
}

/// Reads a `.npy` array of numbers as f32.
pub fn read_array(path: &Path) -> Result<Array> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e.to_string()))?;
    parse(&bytes).map_err(|why| io_error(path, why))
}

/// Reads every member of a `.npz` archive as a numeric array, by name (without `.npy`).
pub fn read_array_npz(path: &Path) -> Result<Vec<(String, Array)>> {
    archive_members(path)?
        .into_iter()
        .map(|(name, data)| {
            let array = parse(&data).map_err(|why| io_error(path, format!("member {name:?}: {why}")))?;
            Ok((name.strip_suffix(".npy").unwrap_or(&name).to_string(), array))
        })
        .collect()
}

/// The `.npy` bytes of `array` as little-endian f32, format 1.0.
fn encode(array: &Array) -> Vec<u8> {
    let dims: Vec<String> = array.shape.iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut out = npy_header(&format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}"));
    out.reserve(4 * array.values.len());
    for v in &array.values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Writes `array` as a `.npy` file of f32.
pub fn write_array(path: &Path, array: &Array) -> Result<()> {
    std::fs::write(path, encode(array)).map_err(|e| io_error(path, e.to_string()))
}

/// Writes named arrays as a `.npz` archive (stored, like `numpy.savez`).
pub fn write_array_npz(path: &Path, members: &[(&str, &Array)]) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| io_error(path, e.to_string()))?;
    let mut archive = zip::ZipWriter::new(file);
    let zip_error = |e: zip::result::ZipError| io_error(path, e.to_string());
    let mut seen: Vec<&str> = Vec::with_capacity(members.len());
    for (name, array) in members {
        if seen.contains(name) {
            return Err(NeuroError::Range { argument: "members", value: format!("{name:?} twice"), expected: "distinct member names".into() });
        }
        seen.push(name);
        let bytes = encode(array);
        let options = zip::write::FileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
        archive.start_file(format!("{name}.npy"), options).map_err(zip_error)?;
        archive.write_all(&bytes).map_err(|e| io_error(path, e.to_string()))?;
    }
    archive.finish().map_err(zip_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_round_trip_through_npy_and_npz() {
        let dir = std::env::temp_dir();
        let a = Array::new(vec![2, 3], vec![0.0, 1.5, -2.0, 3.0, 4.0, 1e-7]).expect("shape fits");
        let scalar = Array::new(vec![], vec![0.25]).expect("scalar");
        let path = dir.join(format!("burn-neuro-array-{}.npy", std::process::id()));
        write_array(&path, &a).expect("write");
        assert_eq!(read_array(&path).expect("read"), a);
        let npz = dir.join(format!("burn-neuro-array-{}.npz", std::process::id()));
        write_array_npz(&npz, &[("a", &a), ("dt", &scalar)]).expect("write npz");
        assert_eq!(read_array_npz(&npz).expect("read npz"), vec![("a".to_string(), a.clone()), ("dt".to_string(), scalar)]);
        assert!(write_array_npz(&npz, &[("a", &a), ("a", &a)]).is_err(), "duplicate names are refused");
        let _ = (std::fs::remove_file(path), std::fs::remove_file(npz));
    }

    #[test]
    fn integer_and_big_endian_arrays_read_as_f32() {
        let mut bytes = Vec::new();
        let dict = "{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }";
        bytes.extend_from_slice(super::super::MAGIC);
        bytes.extend_from_slice(&[1, 0]);
        bytes.extend_from_slice(&((dict.len() + 1) as u16).to_le_bytes());
        bytes.extend_from_slice(dict.as_bytes());
        bytes.push(b'\n');
        for v in [1i16, -2, 300] {
            bytes.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(parse(&bytes).expect("parses"), Array { shape: vec![3], values: vec![1.0, -2.0, 300.0] });
        assert!(parse(&bytes[..bytes.len() - 1]).is_err(), "a short data section is refused");
    }
}
