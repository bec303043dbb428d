//! Integration tests: the real router against a real PostgreSQL, two tenants
//! per test, one database per test (copied from a migrated template).
mod helpers;

mod accounts;
mod barriers;
mod billing;
mod catalog;
mod chain;
mod csv_transfer;
mod dashboard;
mod distribution;
mod embedded;
mod error_reports;
mod faults;
mod http_assets;
mod http_catalog;
mod http_security;
mod http_tenancy;
mod input_hardening;
mod inventory;
mod isolation;
mod metrics;
mod organizations;
mod passwords;
mod pool_hygiene;
mod processes;
mod realtime;
mod receipts;
mod replica;
mod roles;
mod signin;
mod ssr_pages;
mod tenant_restore;
mod till;
mod till_search;
mod two_instances;
