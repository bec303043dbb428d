//! One page per file.
pub mod bills;
pub mod catalog_lists;
pub mod customers;
pub mod dashboard;
pub mod home;
pub mod login;
pub mod low_stock;
pub mod member_only;
pub mod not_found;
pub mod orgs;
pub mod pos;
pub mod product_detail;
pub mod product_import;
pub mod product_new;
pub mod products;
pub mod signup;
