pub mod catalog;
pub mod customer_picker;
pub mod email_receipt;
pub mod form;
pub mod layout;
pub mod live;
pub mod remembered_till;
pub mod till_people;
