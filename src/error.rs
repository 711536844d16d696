//! One error type for every fallible entry point of the crate.
//!
//! Messages name the argument that was wrong and what was expected, so a user can fix the
//! call without reading our source.

use thiserror::Error;

/// Errors returned by burn-neuro's operations, modules and device helpers.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum NeuroError {
    /// A tensor argument has the wrong shape.
    #[error("`{argument}` has shape {actual:?}, expected {expected}")]
    Shape {
        /// The argument's name.
        argument: &'static str,
        /// Its shape.
        actual: Vec<usize>,
        /// The shapes it may have.
        expected: String,
    },
    /// A tensor argument has a dtype the operation does not accept.
    #[error("`{argument}` has dtype {actual}, expected {expected}")]
    DType {
        /// The argument's name.
        argument: &'static str,
        /// Its dtype.
        actual: String,
        /// The dtypes it may have.
        expected: String,
    },
    /// A scalar argument is outside its valid range.
    #[error("`{argument}` = {value} is out of range, expected {expected}")]
    Range {
        /// The argument's name.
        argument: &'static str,
        /// Its value.
        value: String,
        /// The values it may take.
        expected: String,
    },
    /// The device cannot run the request (missing feature, wrong shader compiler, ...).
    #[error("device cannot run this: {0}")]
    Device(String),
    /// The problem is larger than a kernel can address.
    #[error("`{argument}` is too large: {detail}")]
    TooLarge {
        /// The argument's name.
        argument: &'static str,
        /// What limit it exceeds, and what to do.
        detail: String,
    },
    /// A remote device could not be reached or served.
    #[error("remote device {address}: {detail}")]
    Remote {
        /// The server's address (or what was given as one).
        address: String,
        /// What went wrong, and what to check.
        detail: String,
    },
    /// A file could not be read, parsed or written.
    #[error("{path}: {detail}")]
    Io {
        /// The file or folder.
        path: String,
        /// What went wrong.
        detail: String,
    },
}

/// The value of a module call, or a panic with the error's message: Burn's idiom for a
/// `forward` whose contract was violated (configs are validated when the layer is built; the
/// `try_` form of each call returns the error instead).
#[track_caller]
pub(crate) fn or_panic<T>(result: Result<T>) -> T {
    result.unwrap_or_else(|error| panic!("{error}"))
}

/// Result alias used across the crate.
pub type Result<T, E = NeuroError> = std::result::Result<T, E>;
