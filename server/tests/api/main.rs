//! Integration tests: the real router against a real PostgreSQL, two tenants
//! per test, one database per test (copied from a migrated template).
//! Tests that start server processes or clusters of their own and load the
//! machine live in the `load` binary (tests/load).
// Shared with the `load` test binary, which uses parts the quick tests do not.
#[allow(dead_code)]
mod helpers;

mod accounts;
mod barriers;
mod billing;
mod books;
mod catalog;
mod chain;
mod csv_transfer;
mod dashboard;
mod distribution;
mod error_reports;
mod http_assets;
mod http_catalog;
mod http_security;
mod http_tenancy;
mod input_hardening;
mod inventory;
mod isolation;
mod metrics;
mod offline_sync;
mod organizations;
mod passwords;
mod pins;
mod pool_hygiene;
mod purchasing;
mod realtime;
mod receipts;
mod reports;
mod roles;
mod shifts;
mod signin;
mod ssr_pages;
mod tenant_restore;
mod till;
mod till_search;
