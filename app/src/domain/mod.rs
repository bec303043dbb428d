//! Business rules, one module per context. Server-only: these functions take a
//! `TenantTx` (or, for the few cross-tenant paths, a `PlatformTx`) and never see
//! HTTP.
pub mod accounts;
pub mod audit;
pub mod billing;
pub mod books;
pub mod credentials;
pub mod csv_cells;
pub mod dashboard;
pub mod dates;
pub mod db_errors;
pub mod demo;
pub mod demo_catalog;
pub mod demo_sales;
pub mod inventory;
pub mod org;
pub mod password;
pub mod pins;
pub mod profile;
pub mod purchasing;
pub mod reports;
pub mod shifts;
pub use crate::permissions;
pub mod throttle;
