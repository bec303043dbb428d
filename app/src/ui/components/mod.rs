pub mod catalog;
pub mod form;
pub mod layout;
