//! crewclock's core: everything about time tracking and who may do what, with no knowledge of
//! Discord or HTTP. `domain` holds the pure rules, `app` the use cases, `store` all SQL.

pub mod app;
pub mod chart;
pub mod config;
pub mod domain;
pub mod store;
pub mod web;

pub use app::{Actor, App, AppError, AppResult};
