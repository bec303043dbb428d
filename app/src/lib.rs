//! Shopfloor: the application crate (pages, server functions, domain rules).
//!
//! Compiled twice: with `ssr` into the server binary, with `hydrate` into the
//! browser's wasm. Server-only modules sit behind `#[cfg(feature = "ssr")]`.
#![recursion_limit = "256"]

pub mod api;
pub mod error;
pub mod model;
pub mod org;
pub mod permissions;
pub mod pricing;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod domain;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod realtime;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod tenancy;
