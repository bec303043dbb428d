pub mod catalog;
pub mod customer_picker;
pub mod form;
pub mod layout;
