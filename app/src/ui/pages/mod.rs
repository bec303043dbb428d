//! One page per file.
pub mod dashboard;
pub mod home;
pub mod login;
pub mod not_found;
pub mod orgs;
pub mod signup;
