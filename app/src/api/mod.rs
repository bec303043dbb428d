//! Server functions: thin shims from HTTP to the domain. Each reads the request
//! context, checks the input's shape, calls the domain and maps its error.
//! Endpoints are stable (`/api/<endpoint>`) and listed in docs/api.md.
pub mod auth;
pub mod books;
pub mod catalog;
#[cfg(feature = "ssr")]
pub mod context;
pub mod dashboard;
#[cfg(feature = "ssr")]
pub mod download;
#[cfg(feature = "ssr")]
pub mod export;
pub mod org;
#[cfg(feature = "ssr")]
pub mod org_export;
pub mod pins;
pub mod platform;
pub mod pos;
pub mod profile;
pub mod purchasing;
pub mod reports;
pub mod shifts;
pub mod sync;
