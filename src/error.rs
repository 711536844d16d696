//! One error type for every fallible entry point of the crate.
//!
//! Messages name the argument that was wrong and what was expected, so a user can fix the
//! call without reading our source.

use thiserror::Error;

/// Errors returned by burn-neuro's operations, modules and device helpers.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum NeuroError {
    /// A tensor argument has the wrong shape.
    #[error("`{argument}` has shape {actual:?}, expected {expected}")]
    Shape {
        argument: &'static str,
        actual: Vec<usize>,
        expected: String,
    },
    /// A tensor argument has a dtype the operation does not accept.
    #[error("`{argument}` has dtype {actual}, expected {expected}")]
    DType {
        argument: &'static str,
        actual: String,
        expected: String,
    },
    /// A scalar argument is outside its valid range.
    #[error("`{argument}` = {value} is out of range, expected {expected}")]
    Range {
        argument: &'static str,
        value: String,
        expected: String,
    },
    /// The device cannot run the request (missing feature, wrong shader compiler, ...).
    #[error("device cannot run this: {0}")]
    Device(String),
    /// The problem is larger than a kernel can address.
    #[error("`{argument}` is too large: {detail}")]
    TooLarge { argument: &'static str, detail: String },
}

/// Result alias used across the crate.
pub type Result<T, E = NeuroError> = std::result::Result<T, E>;
