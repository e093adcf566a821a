//! The one error type at the core boundary. Every variant but `Internal` carries a message
//! written for the person who typed the command; `Internal` carries a short reference that
//! the adapters show, while the cause goes to the log.

use std::fmt;

use crate::domain::{Denied, Invalid};
use crate::store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// The rulebook refused; the message names the rule.
    Denied(String),
    /// The thing named does not exist (or the caller may not know it exists).
    NotFound(String),
    /// The input can't be used; the message says what to type instead.
    Invalid(String),
    /// The request clashes with the current state (already done, taken, raced).
    Conflict(String),
    /// Our fault. Logged with the reference; never shown in detail.
    Internal(Internal),
}

#[derive(Debug)]
pub struct Internal {
    pub reference: String,
    pub cause: String,
    /// The database could not be reached: worth saying, since trying later helps.
    pub unavailable: bool,
}

impl AppError {
    pub fn denied(message: impl Into<String>) -> Self {
        AppError::Denied(message.into())
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::NotFound(message.into())
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid(message.into())
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict(message.into())
    }

    /// Logs the cause with a fresh reference and returns the opaque error.
    pub fn internal(cause: impl fmt::Display) -> Self {
        let reference = new_reference();
        tracing::error!(reference = %reference, cause = %cause, "internal error");
        AppError::Internal(Internal {
            reference,
            cause: cause.to_string(),
            unavailable: false,
        })
    }

    /// What the person sees. Internal details never appear here.
    pub fn user_message(&self) -> String {
        match self {
            AppError::Denied(m) | AppError::NotFound(m) | AppError::Invalid(m) | AppError::Conflict(m) => {
                m.clone()
            }
            AppError::Internal(internal) if internal.unavailable => format!(
                "The database can't be reached right now; nothing was changed. Please try again in a minute (reference {}).",
                internal.reference
            ),
            AppError::Internal(internal) => format!(
                "Something went wrong on our side; nothing was changed. If it keeps happening, tell your admin the reference {}.",
                internal.reference
            ),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            AppError::Denied(_) => "denied",
            AppError::NotFound(_) => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::Internal(_) => "internal",
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.user_message())
    }
}

impl std::error::Error for AppError {}

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        AppError::Denied(denied.0)
    }
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        AppError::Invalid(invalid.0)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match &err {
            StoreError::PoolTimedOut | StoreError::PoolClosed | StoreError::Io(_) => {
                let reference = new_reference();
                tracing::error!(reference = %reference, cause = %err, "database unavailable");
                AppError::Internal(Internal {
                    reference,
                    cause: err.to_string(),
                    unavailable: true,
                })
            }
            _ => AppError::internal(err),
        }
    }
}

/// A short reference that ties what a person is shown to the log line with the details.
pub fn new_reference() -> String {
    use rand::Rng;
    let n: u32 = rand::rng().random();
    format!("E{n:08X}")
}

pub type AppResult<T> = Result<T, AppError>;
