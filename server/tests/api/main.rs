//! Integration tests: the real router against a real PostgreSQL, two tenants
//! per test, one database per test (copied from a migrated template).
mod helpers;

mod accounts;
mod barriers;
mod billing;
mod catalog;
mod csv_transfer;
mod dashboard;
mod embedded;
mod http_catalog;
mod http_security;
mod http_tenancy;
mod input_hardening;
mod inventory;
mod isolation;
mod organizations;
mod pool_hygiene;
mod realtime;
mod roles;
mod signin;
mod till_search;
